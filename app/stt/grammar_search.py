"""Speech recognised against what can be said: Whisper decoding constrained to the user's sentences.

Free decoding writes what the audio sounds like, and in noise that is often
no sentence of the grammar ("water zone to for fifty" for "... two for
fifteen"), which text repair can only guess back. Here the decoder may only
write the grammar's sentences: every sentence is a path of Whisper tokens in
a trie, a number range is a place where any of its numbers may be said (in
digits or in words), and a beam search over the trie keeps the prefixes the
audio supports best, as speech-to-phrase does with its own grammar. What it
finds is evidence, not a decision: the caller scores it against the free
transcript (`app.stt.rescore.choose`), so speech that is no sentence of the
grammar stays unsaid.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Optional

import numpy as np

from app.stt.decoder import Session

#: The place of a number in a listed sentence (`intents.grammar_repair.NUMBER`).
NUMBER = "#"
_END = -1
_NUM = -2
#: Ids below this are Whisper's commonest tokens (byte-pair merges come in order of frequency): with the
#: grammar's own tokens they make the vocabulary each step is normalised over, a tenth of the whole.
_COMMON = 8000


@dataclass(frozen=True)
class _Beam:
    score: float
    tokens: tuple[int, ...]
    node: dict
    after: Optional[dict]  # inside a number: the sentence's node after it; else None
    parent: int
    pending: Optional[np.ndarray] = None  # where a number began: the log-probability of each number there
    margins: tuple[float, ...] = ()  # for each number said: how much likelier than any other number


@dataclass(frozen=True)
class Found:
    """A sentence of the grammar found in the audio."""

    tokens: list[int]
    """Its tokens."""
    score: float
    """Log-probability of the tokens given the audio (normalised over ``TokenGrammar.columns``)."""
    number_margin: float
    """How much likelier (natural log) the audio made each number said than any other number allowed in its
    place, the least of them (infinite without numbers): a number the audio does not single out is a guess."""


class TokenGrammar:
    """The user's sentences as a trie of Whisper tokens; ``encode`` gives a text's tokens."""

    def __init__(self, sentences: Iterable[str], numbers: Mapping[str, int], encode: Callable[[str], list[int]],
                 eot: int, vocabulary_size: int) -> None:
        self.root: dict = {}
        for sentence in sentences:
            node = self.root
            parts = sentence.split(NUMBER)
            for i, part in enumerate(parts):
                for token in encode(" " + part.strip()) if part.strip() else ():
                    node = node.setdefault(token, {})
                if i < len(parts) - 1:
                    node = node.setdefault(_NUM, {})
            node[_END] = True
        self.numbers: dict = {}
        for spoken, value in numbers.items():  # a number as Whisper may write it, "15" or "fifteen"
            node = self.numbers
            for token in encode(" " + spoken):
                node = node.setdefault(token, {})
            node[_END] = value
        self.eot = eot
        used = set(_tokens(self.root)) | set(_tokens(self.numbers)) | {eot}
        self.columns = np.array(sorted(used | set(range(min(_COMMON, vocabulary_size)))), dtype=np.int64)
        """The tokens each step is normalised over (the grammar's and the commonest)."""
        self.index = {int(token): i for i, token in enumerate(self.columns)}
        # Which number the audio prefers is read where it begins, from each number's first token in digits.
        values = sorted(set(numbers.values()))
        self._values = {value: i for i, value in enumerate(values)}
        self.first_columns = np.array([self.index[encode(f" {value}")[0]] for value in values], dtype=np.int64)
        """Where each number allowed begins (its first token in digits), as columns of a step's output."""

    def margin(self, pending: Optional[np.ndarray], value: int) -> float:
        """How much likelier ``value`` was where its number began than any number written otherwise."""
        if pending is None or value not in self._values:
            return np.inf
        first = self.first_columns[self._values[value]]
        others = pending[self.first_columns != first]
        return float(pending[self._values[value]] - others.max()) if len(others) else np.inf

    def __bool__(self) -> bool:
        return bool(self.root)

    def options(self, node: dict, after: Optional[dict]) -> list[tuple[int, dict, Optional[dict], Optional[int]]]:
        """The tokens that may come next at a place, each with the place it leads to and the number it
        completes (or None)."""
        found = [(token, child, after, None) for token, child in node.items() if token >= 0]
        if after is not None and _END in node:  # a whole number said: the sentence goes on
            found += [(t, child, a, node[_END]) for t, child, a, _ in self.options(after, None)]
        if after is None and _NUM in node:
            found += [(token, child, node[_NUM], None) for token, child in self.numbers.items() if token >= 0]
        return found

    def ends(self, node: dict, after: Optional[dict]) -> bool:
        """True when a sentence may end at a place."""
        if after is not None:
            return _END in node and _END in after
        return _END in node


def _tokens(node: dict) -> Iterable[int]:
    for token, child in node.items():
        if token >= 0:
            yield token
            yield from _tokens(child)


def search(session: Session, start: list[int], grammar: TokenGrammar, projection: np.ndarray,
           beams: int = 6, results: int = 4, max_tokens: int = 48) -> list[Found]:
    """The grammar's sentences the audio supports best, up to ``results``, likeliest per token first.
    ``projection`` is the decoder's output embeddings of ``grammar.columns``."""
    logp, caches = session.prime(start, 1, projection)
    live = [_Beam(0.0, (), grammar.root, None, 0)]
    done: list[Found] = []
    index = grammar.index
    for step in range(max_tokens):
        grown = []
        for i, beam in enumerate(live):
            row = logp[i]
            if grammar.ends(beam.node, beam.after):
                margins = (*beam.margins, grammar.margin(beam.pending, beam.node[_END])) if beam.after else beam.margins
                done.append(Found(list(beam.tokens), beam.score + float(row[index[grammar.eot]]),
                                  min(margins, default=np.inf)))
            for token, node, after, value in grammar.options(beam.node, beam.after):
                pending, margins = beam.pending, beam.margins
                if value is not None:
                    pending, margins = None, (*margins, grammar.margin(pending, value))
                if beam.after is None and after is not None:  # a number begins here
                    pending = row[grammar.first_columns]
                grown.append(_Beam(beam.score + float(row[index[token]]), (*beam.tokens, token), node, after, i,
                                   pending, margins))
        live = heapq.nlargest(beams, grown, key=lambda b: b.score)
        if not live or len(done) >= beams:  # as Whisper's beam search: as many finished as beams
            break
        parents = np.array([b.parent for b in live])
        caches = [(k[parents], v[parents]) for k, v in caches]
        logp, caches = session.step(np.array([b.tokens[-1] for b in live]), caches, len(start) + step, projection)
    # Ranked per token, as Whisper ranks its beam: a short sentence is not likelier for being short.
    done.sort(key=lambda found: found.score / (len(found.tokens) + 1), reverse=True)
    return done[:results]
