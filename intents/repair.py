"""Repair of misheard words: snap a transcript onto the words of commands.

Tiny speech models mishear short words ("turn on the kitchen pan", "the
activate kitchen lights", "turn off my life scare"). When no hypothesis
parses, stretches of one or two heard words are compared, by rough sound, with
the words that matter here: the home's entity, area and floor names and the
words of Home Assistant's own sentence templates. Variants replacing close
stretches are listed cheapest first; the caller keeps those the templates
parse, and speech-to-text itself judges between them (`app.stt.rescore`). A
transcript that parses as heard is never changed.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from devices.registry import Home
from intents.vocabulary import Vocabulary

#: Cost of dropping a heard word that is not a word of commands ("lights off please" heard as
#: "lights up lean"): dearer than most replacements, so it comes late.
DROP_COST = 0.5
#: Extra cost of replacing words that are already words of commands: they were likely heard right.
KNOWN_COST = 0.25
#: Most edits allowed per letter of the sound key (a misheard word is rarely further away).
MAX_EDIT_RATIO = 0.45
#: Replacements offered per stretch of heard words.
PER_STRETCH = 4
#: How many stretches of an utterance may be replaced at once.
MAX_REPLACEMENTS = 3
#: Longer utterances are not repaired: too many combinations, and not a short command.
MAX_WORDS = 12

# A soft c first ("ceiling" meets "sealing"), then the hard one.
_SOUNDS = (("ce", "se"), ("ci", "si"), ("cy", "si"), ("ei", "i"), ("ght", "t"), ("ph", "f"), ("ck", "k"), ("wh", "w"),
           ("kn", "n"), ("ee", "i"), ("ea", "i"), ("ie", "i"), ("th", "d"), ("y", "i"), ("z", "s"), ("c", "k"),
           ("q", "k"), ("v", "f"), ("'", ""))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    return Levenshtein.distance(a, b)


@functools.lru_cache(maxsize=1 << 16)  # a home rebuilt for each discovery batch keeps most names
def sound_key(text: str) -> str:
    """A rough spelling of how words sound, spaces dropped, so "lite" meets "light",
    "four" meets "floor" and "the activate" meets "deactivate"."""
    key = re.sub(r"(?<=\w\w\w)e\b", "", text.lower())  # silent final e, not "the"
    for spelled, sound in _SOUNDS:
        key = key.replace(spelled, sound)
    return re.sub(r"(.)\1+", r"\1", key.replace(" ", ""))


def template_words(sentence_texts: Iterable[str], vocab: Vocabulary) -> set[str]:
    """The literal words of sentence templates (``{lists}`` and ``<rules>`` left out); one-letter
    words only where the language has them (``Vocabulary.short_words``)."""
    words: set[str] = set()
    for text in sentence_texts:
        literal = re.sub(r"\{[^}]*\}|<[^>]*>", " ", text)
        words.update(w for w in vocab.words(literal) if w[0].isalpha() and (len(w) > 1 or w in vocab.short_words))
    return words


@dataclass(frozen=True)
class Repair:
    """A transcript snapped onto known words."""

    text: str
    """The repaired text."""
    cost: float
    """Sum of the replaced stretches' relative sound distances (0 = unchanged)."""
    whole: bool = False
    """A whole sentence of the user's grammar (`intents.grammar_repair`): parsed before word repairs, since
    it is known to parse and there are few."""
    heard: bool = False
    """Found in the audio by decoding constrained to the templates, not made from a transcript's words (it
    adds no number a transcript did not hear, unless the transcripts disagree on their numbers)."""


class WordRepairer:
    """Proposes repaired variants of a transcript, cheapest first."""

    def __init__(self, home: Home, vocab: Vocabulary, extra_words: Iterable[str] = ()) -> None:
        """``extra_words``: known words besides the vocabulary's command words and the home's names
        (the templates' words, `template_words`)."""
        self.vocab = vocab
        words_of = vocab.words
        names = [n for e in home.entities for n in e.names] + [n for a in home.areas for n in (a.name, *a.aliases)] \
            + [n for f in home.floors for n in (f.name, *f.aliases)]
        name_words = {w for name in names for w in words_of(name)}
        vocabulary = set(vocab.command_words) | set(extra_words) | name_words
        # One heard word may stand for two said ones ("believing" for "the living", "backdoor").
        phrases = {" ".join(words_of(n)) for n in names if len(words_of(n)) > 1}
        phrases |= {f"{vocab.article} {w}" for w in name_words if w.isalpha() and len(w) > 3} | set(vocab.repair_phrases)
        # Amounts ("three quarters": the last word of a phrase) and what makes a sentence a report ("the
        # lamp is on") are kept.
        amounts = [*vocab.number_words, *vocab.fractions, *vocab.copulas]
        self._kept = frozenset(words_of(phrase)[-1] for phrase in amounts) - set(vocab.sound_alikes)
        self.vocabulary = sorted(vocabulary)
        self._known = frozenset(vocabulary)
        self._targets = sorted(vocabulary | phrases)
        self._keys = [sound_key(t) for t in self._targets]
        self._spellings = [t.replace(" ", "") for t in self._targets]

    def candidates(self, heard: str) -> list[tuple[str, float]]:
        """Known words or phrases that sound like ``heard`` (one or two words), with their cost;
        an empty replacement drops the word."""
        found = {alike: 0.2 for alike in self.vocab.sound_alikes.get(heard, ())}
        if heard in self.vocab.ordinals:
            return [(self.vocab.ordinals[heard], 0.0)]
        if " " not in heard and heard not in self._known and not heard.isdigit():
            found[""] = DROP_COST
        extra = KNOWN_COST if all(w in self._known for w in heard.split()) else 0.0
        for query, keys in ((sound_key(heard), self._keys), (heard.replace(" ", ""), self._spellings)):
            for _, ratio, index in process.extract(query, keys, scorer=Levenshtein.normalized_distance,
                                                   limit=PER_STRETCH + 2, score_cutoff=MAX_EDIT_RATIO):
                target = self._targets[index]
                if target != heard:
                    found[target] = min(found.get(target, 1.0), max(ratio, 0.05) + extra)
        ranked = sorted(found.items(), key=lambda c: c[1])
        return ranked[:PER_STRETCH] + [c for c in ranked[PER_STRETCH:] if c[0] == ""]

    def _all_known(self, text: str) -> bool:
        return all(w in self._known or w.isdigit() for w in text.split())

    def _stretches(self, words: list[str]) -> dict[tuple[int, int], list[tuple[str, float]]]:
        """Replacements for each stretch ``words[start:end]`` of one or two words."""
        options = {}
        for start in range(len(words)):
            for end in range(start + 1, min(start + 2, len(words)) + 1):
                found = self.candidates(" ".join(words[start:end]))
                if found:
                    options[(start, end)] = found
        return options

    def variants(self, text: str, limit: int = 400) -> list[Repair]:
        """Repaired variants, cheapest first (the text itself is not included)."""
        words = self.vocab.words(text)
        if len(words) > MAX_WORDS:
            return []
        if any(w in self.vocab.meaningful and w not in self._known for w in words):
            return []  # "halfway", "unbolt": the templates cannot read it, and a repair would lose it
        options = self._stretches(words)
        heard = " ".join(words)
        # Amounts and copulas are kept; directions may be repaired ("the activate" is "deactivate"), the
        # audio decides.
        kept = Counter(w for w in words if w.isdigit() or w in self._kept)
        repairs: dict[str, float] = {}
        for count in range(1, MAX_REPLACEMENTS + 1):
            for spans in itertools.combinations(sorted(options), count):
                if any(a[1] > b[0] for a, b in zip(spans, spans[1:])):
                    continue  # overlapping stretches
                for choice in itertools.product(*(options[s] for s in spans)):
                    fixed = list(words)
                    for (start, end), (replacement, _) in reversed(list(zip(spans, choice))):
                        fixed[start:end] = [replacement] if replacement else []
                    variant = " ".join(fixed)
                    cost = sum(c for _, c in choice)
                    if not self._all_known(variant):
                        continue  # a word no template, name or number has: cannot parse
                    if kept - Counter(fixed):
                        continue  # it lost an amount ("free quarters" is not "open the curtain") or a copula
                    if variant != heard and cost < repairs.get(variant, float("inf")):
                        repairs[variant] = cost
        ranked = sorted(repairs.items(), key=lambda r: r[1])[:limit]
        return [Repair(text, cost) for text, cost in ranked]
