"""Repair of misheard characters: swap a character for one that sounds the same.

Whisper base writes Mandarin it heard right in the wrong characters: "观调" for 关掉 (guan diao),
"所上" for 锁上 (suo), "掉到" for 调到 (diao). Where no hypothesis parses, each character may be
swapped for a character of the templates, the home's names or the vocabulary that the language's
``Vocabulary.readings`` says is read alike. Variants are listed cheapest first, as
`intents.repair.WordRepairer` lists them; the caller keeps those the templates parse, and
speech-to-text judges between them by the audio (`app.stt.rescore`).
"""

from __future__ import annotations

import itertools
from typing import Iterable

from devices.registry import Home
from intents.repair import Repair
from intents.vocabulary import Vocabulary

#: Cost of swapping a character that no template, name or phrase uses: likely misheard.
UNKNOWN_COST = 0.5
#: Cost of swapping a character that is already a known one: likely heard right.
KNOWN_COST = 1.0
#: Added to a swap of characters read alike only without their tones (订 dìng, 灯 dīng).
TONE_COST = 0.1
#: Added to a swap of characters whose readings are one sound apart (说 shuo for 锁 suo, 庆 qing for 器 qi):
#: heard for each other in noise, less often than characters read alike, so every swap read alike comes
#: first, two of them included (at 0.4 and 0.6, the many near swaps of unknown characters filled the parses
#: before 计时气 reached 计时器, and 机时期 reached 计时器 not at all).
NEAR_COST = 0.8
#: How much earlier a variant is parsed for each pair of neighbouring characters it makes known (`known_pairs`):
#: its cost is unchanged, so the audio judges it as before.
PAIR_BONUS = 0.3
#: How many characters of an utterance may be swapped at once.
MAX_SWAPS = 2
#: Longer utterances are not repaired: too many combinations, and not a short command.
MAX_CHARACTERS = 24


class HomophoneRepairer:
    """Proposes variants of a transcript with characters swapped for known ones read alike."""

    def __init__(self, home: Home, vocab: Vocabulary, known_texts: Iterable[str] = ()) -> None:
        """``known_texts``: texts whose characters are known besides the home's names (the templates'
        words, the vocabulary's phrases)."""
        if vocab.readings is None:
            raise ValueError(f"no readings of characters for language {vocab.language!r}")
        self.vocab = vocab
        names = [n for e in home.entities for n in e.names] + [n for a in home.areas for n in (a.name, *a.aliases)]
        texts = (*names, *known_texts)
        self._known = frozenset(c for text in texts for c in text if _is_hanzi(c))
        self._pairs = frozenset(pair for text in texts for pair in _pairs(text))
        by_reading: dict[str, set[str]] = {}
        for char in self._known:
            for reading in vocab.readings(char):
                by_reading.setdefault(reading, set()).add(char)
        self._alike = by_reading
        self._near: dict[str, list[str]] = {}

    def alike(self, char: str) -> list[str]:
        """Known characters read like ``char`` (any of its readings), ``char`` itself left out."""
        found = {c for reading in self.vocab.readings(char) for c in self._alike.get(reading, ())}
        return sorted(found - {char})

    def near(self, char: str) -> list[str]:
        """Known characters with a reading one sound from one of ``char``'s and none alike (`alike`)."""
        if char not in self._near:
            sounds = self.vocab.sounds
            heard = [sounds(reading) for reading in self.vocab.readings(char)]
            found = {c for reading, chars in self._alike.items()
                     if any(_one_apart(h, sounds(reading)) for h in heard) for c in chars}
            self._near[char] = sorted(found - set(self.alike(char)) - {char})
        return self._near[char]

    def _toneless(self, heard: str, swapped: str) -> bool:
        """True when ``heard`` and ``swapped`` are read alike only without their tones."""
        tones = self.vocab.tones
        return tones is not None and not tones(heard) & tones(swapped)

    def known_pairs(self, text: str) -> int:
        """How many neighbouring characters of ``text`` a known text has side by side: 启动 and 侧门 are
        words, 七动 and 厕门 are not. Among swaps of the same cost, more known pairs read more alike."""
        return sum(pair in self._pairs for pair in _pairs(text))

    def variants(self, text: str, limit: int = 400, near: bool = True) -> list[Repair]:
        """Repaired variants, cheapest first, a variant earlier by `PAIR_BONUS` for each known pair of
        characters it makes, and by more known pairs at the same place. The text itself comes first, at no
        cost: the templates have no words for the language's fillers, and the caller parses it without
        them. ``near``: for a caller that checks each variant against the audio, also characters one sound
        apart (`near`), and only variants that make a new known pair."""
        chars = list(text.strip())
        if sum(map(_is_hanzi, chars)) > MAX_CHARACTERS:
            return []
        options = {i: found for i, c in enumerate(chars) if _is_hanzi(c) and (found := self._swaps(c, near))}
        if near:
            options = self._worded(options, chars)
        repairs: dict[str, float] = {"".join(chars): 0.0}
        for count in range(1, MAX_SWAPS + 1):
            for places in itertools.combinations(sorted(options), count):
                base = sum(KNOWN_COST if chars[i] in self._known else UNKNOWN_COST for i in places)
                for choice in itertools.product(*(options[i] for i in places)):
                    swapped = list(chars)
                    for i, (char, _) in zip(places, choice):
                        swapped[i] = char
                    variant = "".join(swapped)
                    cost = base + sum(extra for _, extra in choice)
                    if cost < repairs.get(variant, float("inf")):
                        repairs[variant] = cost
        # A swap that makes words of the templates and names (计时器 from 机时期) comes before one of the same
        # cost that makes none: those are the variants that can parse, and only so many are parsed.
        heard, said = self.known_pairs(text), "".join(chars)
        pairs = {variant: self.known_pairs(variant) for variant in repairs}
        if near:  # for the audio's judgement, only variants that make a new word: each parse costs 10-50 ms
            pairs = {variant: n for variant, n in pairs.items() if n > heard or variant == said}
        ranked = sorted(pairs, key=lambda v: (repairs[v] - PAIR_BONUS * (pairs[v] - heard), -pairs[v]))[:limit]
        return [Repair(variant, repairs[variant]) for variant in ranked]

    def _worded(self, options: dict[int, list[tuple[str, float]]], chars: list[str]) -> dict[int, list]:
        """``options`` without the swaps one sound apart that make no known pair of characters with a
        neighbour, as heard or as it may be swapped (右侧 from 用车): they cannot make a word of the templates
        or a name, and there are many of them (each is parsed, at 10-25 ms)."""
        def neighbours(i: int) -> set[str]:
            return {chars[i], *(c for c, _ in options.get(i, ()))} if 0 <= i < len(chars) else set()

        kept = {}
        for i, found in options.items():
            before, after = neighbours(i - 1), neighbours(i + 1)
            kept[i] = [(c, extra) for c, extra in found if extra < NEAR_COST
                       or any(b + c in self._pairs for b in before) or any(c + a in self._pairs for a in after)]
        return {i: found for i, found in kept.items() if found}

    def _swaps(self, char: str, near: bool) -> list[tuple[str, float]]:
        """What ``char`` may be swapped for, each with what the swap adds to its cost."""
        alike = [(c, TONE_COST if self._toneless(char, c) else 0.0) for c in self.alike(char)]
        return alike + [(c, NEAR_COST) for c in self.near(char)] if near and self.vocab.sounds else alike


def _one_apart(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when ``b`` is ``a`` with one sound changed, added or left out."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _pairs(text: str) -> list[str]:
    """Each two neighbouring Chinese characters of ``text``."""
    return [text[i:i + 2] for i in range(len(text) - 1) if _is_hanzi(text[i]) and _is_hanzi(text[i + 1])]


def _is_hanzi(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"
