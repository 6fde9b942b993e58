"""The user's own sentences nearest by sound to a transcript: what could have been said, not what was heard.

A user's grammar (custom sentences) is small and closed, as speech-to-phrase
uses it: every sentence it allows is listed once, with each number range left
as a place for the numbers heard. A transcript is compared, by rough sound
(`intents.repair.sound_key`), with every listed sentence; the nearest few, with
the transcript's numbers put in their places, are offered as repairs, and the
speech model judges them against the audio (`app.stt.rescore.choose`) as it
judges repaired words. A sentence with a wildcard is not listed: its words
are anyone's, so nearness says nothing.
"""

from __future__ import annotations

import re
from typing import Any

from hassil.errors import HassilError
from hassil.expression import TextChunk
from hassil.intents import RangeSlotList, TextSlotList, TextSlotValue, WildcardSlotList
from hassil.sample import sample_expression
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from intents.repair import Repair, sound_key
from intents.templates import TemplateRecognizer
from intents.vocabulary import Vocabulary

#: The place of a number in a listed sentence.
NUMBER = "#"
#: Most sentences listed; a grammar that allows more is not used this way (its lists are too open).
MAX_SENTENCES = 200_000
#: Nearest sentences offered per transcript.
NEAREST = 6
#: Sound-key letters per unit of repair cost (about one misheard word).
LETTERS_PER_WORD = 5.0

_DIGITS = re.compile(r"\d+")


class GrammarRepairer:
    """Proposes the user's sentences nearest to a transcript (the `app.stt.rescore.Repairer` protocol)."""

    def __init__(self, recognizer: TemplateRecognizer, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.language = recognizer.language
        self.sentences = _listed(recognizer)
        self._keys = [sound_key(s) for s in self.sentences]

    def __bool__(self) -> bool:
        return bool(self.sentences)

    def variants(self, text: str, limit: int = 400) -> list[Repair]:
        """Listed sentences near ``text`` with its numbers in their places, nearest first."""
        heard = " ".join(self.vocab.words(text))
        numbers = _DIGITS.findall(heard)
        query = sound_key(_DIGITS.sub(NUMBER, heard))
        found = process.extract(query, self._keys, scorer=Levenshtein.distance, limit=NEAREST * 4)
        repairs: dict[str, float] = {}
        for _, distance, index in found:
            sentence = self.sentences[index]
            if sentence.count(NUMBER) != len(numbers):
                continue
            filled = sentence
            for number in numbers:
                filled = filled.replace(NUMBER, number, 1)
            if filled != heard and filled not in repairs:
                repairs[filled] = distance / LETTERS_PER_WORD
            if len(repairs) >= min(NEAREST, limit):
                break
        return [Repair(t, c, whole=True) for t, c in sorted(repairs.items(), key=lambda r: r[1])]


def _listed(recognizer: TemplateRecognizer) -> list[str]:
    """Every sentence of the user's intents, number ranges as ``#``, wildcard sentences left out; none when
    there would be more than `MAX_SENTENCES`."""
    place = TextSlotList(name=None, values=[TextSlotValue(TextChunk(NUMBER), NUMBER)])
    listed: dict[str, None] = {}
    for name in sorted(recognizer.custom):
        for data in recognizer.intents.intents[name].data:
            lists: dict[str, Any] = {**recognizer.intents.slot_lists, **recognizer.slot_lists, **data.slot_lists}
            if any(isinstance(v, WildcardSlotList) for v in data.slot_lists.values()):
                continue
            lists = {k: place if isinstance(v, RangeSlotList) else v for k, v in lists.items()}
            rules = {**recognizer.intents.expansion_rules, **data.expansion_rules}
            for sentence in data.sentences:
                try:
                    for text in sample_expression(sentence.expression, lists, rules, recognizer.language):
                        listed[" ".join(text.lower().split())] = None
                        if len(listed) > MAX_SENTENCES:
                            return []
                except HassilError:
                    continue
    return list(listed)


class Repairers:
    """Several repairers' variants together."""

    def __init__(self, *repairers: Any) -> None:
        self.repairers = repairers
        self.vocab = repairers[0].vocab

    def variants(self, text: str, limit: int = 400) -> list[Repair]:
        """Every repairer's variants, whole sentences first (they are few, and known to parse), then the
        cheapest word repairs up to ``limit``."""
        every = [v for r in self.repairers for v in r.variants(text, limit)]
        return sorted(every, key=lambda v: (not v.whole, v.cost))[:limit]


class HeardSentences:
    """Sentences the templates allow that the audio itself supports (decoding constrained to them,
    `app.stt.grammar_search`), offered as whole-sentence repairs of each transcript: each costs how far it
    sounds from that transcript, so that the audio's choice is taken only where it is also near what was
    heard (a remark about coffee decoded as "make a coffee" is far from its transcript)."""

    def __init__(self, sentences: list[str], vocab: Vocabulary) -> None:
        self.sentences = sentences
        self.vocab = vocab
        self._keys = [self._key(s) for s in sentences]

    def variants(self, text: str, limit: int = 400) -> list[Repair]:
        """The sentences, each costed by how far it sounds from ``text``; none that differs from it in more
        than half of its words' worth of sound (a remark the audio was forced into: "next" for "my sister
        loves cappuccino")."""
        heard = self._key(text)
        most = len(self.vocab.words(text)) / 2
        found = [Repair(s, Levenshtein.distance(heard, key) / LETTERS_PER_WORD, whole=True, heard=True)
                 for s, key in zip(self.sentences, self._keys)]
        return sorted((r for r in found if r.cost <= most), key=lambda r: r.cost)[:limit]

    def _key(self, text: str) -> str:
        """The rough sound of ``text`` with each number, in digits or words, as one place: how a number is
        written ("32", "thirty two") is no distance, and which number it is the audio judges."""
        words = [NUMBER if w.isdigit() or w in self.vocab.number_words else w for w in self.vocab.words(text)]
        return sound_key(" ".join(w for i, w in enumerate(words) if w != NUMBER or i == 0 or words[i - 1] != NUMBER))
