"""Repair of misheard words: snap a transcript onto the home's own words.

Tiny speech models mishear short words ("turn on the kitchen pan", "first
four lights off", "pause the TB"). When no hypothesis parses, each word is
compared with the words that matter in this home (entity, area and floor
names, and command words) by spelling and rough sound; variants replacing close
words are tried cheapest first, and the first one the templates parse wins.
A transcript that parses as heard is never changed, and a word is only
replaced by one that is nearly the same, so a non-command does not become a
command by accident.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from devices.registry import Home

#: Words of commands that small models often mishear; names come from the home.
COMMAND_WORDS = (
    "turn", "on", "off", "lock", "unlock", "open", "close", "set", "start", "pause", "resume", "in", "the",
    "light", "lights", "lamp", "fan", "fans", "tv", "door", "doors", "locked", "unlocked", "temperature",
    "temp", "thermostat", "curtain", "curtains", "blinds", "shade", "shades", "window", "windows",
    "brightness", "percent", "degrees", "timer", "minutes", "seconds", "hours", "volume", "vacuum",
    "garage", "valve", "floor", "room", "here", "to", "for",
)

#: Short words that sound alike in running speech, where spelling distance cannot tell.
SOUND_ALIKES: dict[str, tuple[str, ...]] = {
    "and": ("in",), "an": ("in", "on"), "hear": ("here",), "of": ("off",), "too": ("to",), "two": ("to",),
    "four": ("for", "floor"), "tree": ("three",), "won": ("one",), "ate": ("eight",),
}

#: Most edits (Levenshtein) allowed per letter of the longer word.
MAX_EDIT_RATIO = 0.4
#: How many words of an utterance may be replaced at once.
MAX_REPLACEMENTS = 3
#: How many variants are tried before giving up (bounds the time spent).
MAX_VARIANTS = 32
#: Longer utterances are not repaired: too many combinations, and not a short command.
MAX_WORDS = 12


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


_SOUNDS = (("ght", "t"), ("ph", "f"), ("ck", "k"), ("wh", "w"), ("kn", "n"), ("ee", "i"), ("ea", "i"),
           ("ie", "i"), ("y", "i"), ("z", "s"), ("c", "k"), ("q", "k"), ("v", "f"))


def sound_key(word: str) -> str:
    """A rough spelling of how a word sounds, so "lite" meets "light" and "four" meets "floor"."""
    key = word.lower()
    for spelled, sound in _SOUNDS:
        key = key.replace(spelled, sound)
    if len(key) > 2 and key.endswith("e"):
        key = key[:-1]
    return re.sub(r"(.)\1+", r"\1", key)


def distance_ratio(a: str, b: str) -> float:
    """Edits per letter, the better of spelling and sound."""
    spelled = edit_distance(a, b) / max(len(a), len(b))
    ka, kb = sound_key(a), sound_key(b)
    sounded = edit_distance(ka, kb) / max(len(ka), len(kb), 1)
    return min(spelled, sounded)


def words_of(text: str) -> list[str]:
    """Lower-case words, punctuation dropped (apostrophes kept)."""
    return re.findall(r"[a-z0-9']+", text.lower())


@dataclass(frozen=True)
class Repair:
    """A transcript snapped onto the home's words."""

    text: str
    """The repaired text."""
    cost: float
    """Sum of relative edit distances of the replacements (0 = unchanged)."""


class WordRepairer:
    """Proposes repaired variants of a transcript, cheapest first."""

    def __init__(self, home: Home, extra_words: Iterable[str] = COMMAND_WORDS) -> None:
        names = [n for e in home.entities for n in e.names] + [n for a in home.areas for n in (a.name, *a.aliases)] \
            + [n for f in home.floors for n in (f.name, *f.aliases)]
        self.vocabulary = sorted(set(extra_words) | {w for name in names for w in words_of(name)})
        # Names heard as one word: "backdoor" -> "back door".
        self._joined = {"".join(words_of(n)): " ".join(words_of(n)) for n in names if len(words_of(n)) > 1}

    def candidates(self, word: str) -> list[tuple[str, float]]:
        """Close home words for ``word`` with their relative cost, closest first."""
        if word in self._joined:
            return [(self._joined[word], 0.1)]
        found = [(alike, 0.2) for alike in SOUND_ALIKES.get(word, ())]
        for known in self.vocabulary:
            if known == word or known in SOUND_ALIKES.get(word, ()) or abs(len(known) - len(word)) > 2:
                continue
            ratio = distance_ratio(word, known)
            two_letters = max(len(word), len(known)) == 2 and edit_distance(word, known) == 1 and word.isalpha()
            if ratio <= MAX_EDIT_RATIO or two_letters:
                found.append((known, ratio))
        return sorted(found, key=lambda c: c[1])[:3]

    def variants(self, text: str) -> list[Repair]:
        """Repaired variants, cheapest first (the text itself is not included)."""
        words = words_of(text)
        if len(words) > MAX_WORDS:
            return []
        options = {i: self.candidates(w) for i, w in enumerate(words)}
        options = {i: c for i, c in options.items() if c}
        repairs: list[Repair] = []
        for count in range(1, min(MAX_REPLACEMENTS, len(options)) + 1):
            for positions in itertools.combinations(sorted(options), count):
                for choice in itertools.product(*(options[p] for p in positions)):
                    fixed = list(words)
                    for position, (replacement, _) in zip(positions, choice):
                        fixed[position] = replacement
                    repairs.append(Repair(" ".join(fixed), sum(cost for _, cost in choice)))
        repairs.sort(key=lambda r: r.cost)
        return repairs[:MAX_VARIANTS]

    def repair(self, text: str, parses: Callable[[str], bool], budget_ms: float = 100.0) -> Optional[Repair]:
        """The cheapest variant ``parses`` accepts within the time budget, or None."""
        deadline = time.perf_counter() + budget_ms / 1000
        for variant in self.variants(text):
            if parses(variant.text):
                return variant
            if time.perf_counter() > deadline:
                break
        return None
