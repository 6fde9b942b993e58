"""Speech recognised against what can be said: Whisper decoding constrained to the templates' sentences.

Free decoding writes what the audio sounds like, and in noise that is often
no sentence of the grammar ("water zone to for fifty" for "... two for
fifteen"), which text repair can only guess back. Here the decoder may only
write what the templates allow over this home (`intents.word_graph`): the
graph's words become Whisper's tokens, each place of a list (a name, a room,
a number) a small trie of its values, and a beam search keeps the paths the
audio supports best, as speech-to-phrase does with its own grammar. What it
finds is evidence, not a decision: the caller scores it against the free
transcript (`app.stt.rescore.choose`), so speech that is no sentence of the
grammar stays unsaid.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Protocol, Union

import numpy as np

from intents.word_graph import WordGraph

_END = -1
#: Ids below this are Whisper's commonest tokens (byte-pair merges come in order of frequency): with the
#: grammar's own tokens they make the vocabulary each step is normalised over, a tenth of the whole.
_COMMON = 8000
_PLACE = re.compile(r"\{(\w+)\}")

Label = Union[int, str, None]  # a token, a place (its key), or nothing (an epsilon arc)


class Session(Protocol):
    """Decoder steps over one utterance (`app.stt.decoder.Session`)."""

    def prime(self, tokens: list[int], beams: int = 1, projection: Optional[np.ndarray] = None) -> tuple: ...

    def step(self, tokens: np.ndarray, caches: list, position: int,
             projection: Optional[np.ndarray] = None) -> tuple: ...


@dataclass(frozen=True)
class Found:
    """A sentence of the grammar found in the audio."""

    tokens: list[int]
    """Its tokens."""
    score: float
    """Log-probability of the tokens given the audio (normalised over ``TokenGraph.columns``)."""
    margin: float
    """Where each value it says (a number, a name, a list's word) begins: how much likelier the audio made
    it than any other value allowed there; the least of them (infinite without places). A value the
    audio does not single out is a guess."""


@dataclass(frozen=True)
class _Place:
    trie: dict
    keys: list[str]  # the value each wording stands for, by wording
    first: np.ndarray  # each wording's first token, as a column of a step's output


@dataclass(frozen=True)
class _Pos:
    """Where in the graph a prefix may be: a node, or within a place's values."""

    node: int
    inside: Optional[tuple[dict, str, int]] = None  # (trie node, place, the graph's node after the place)
    pending: Optional[np.ndarray] = None  # where the place began: the log-probability of each wording
    margins: tuple[float, ...] = ()

    def key(self) -> tuple:
        return (self.node, None) if self.inside is None else (self.node, id(self.inside[0]), self.inside[1])


@dataclass(frozen=True)
class _Beam:
    """A prefix of tokens and every place in the graph it may have reached (the graph is not deterministic:
    "turn off the" is the start of many templates, and a prefix keeps them all)."""

    score: float
    tokens: tuple[int, ...]
    positions: tuple[_Pos, ...]
    parent: int


class TokenGraph:
    """A `WordGraph` in Whisper's tokens; ``encode`` gives a text's tokens."""

    def __init__(self, graph: WordGraph, encode: Callable[[str], list[int]], eot: int, vocabulary_size: int) -> None:
        self.start, self.eot = graph.start, eot
        self.finals = set(graph.finals)
        self.arcs: dict[int, list[tuple[Label, int]]] = defaultdict(list)
        self._tries: dict[str, tuple[dict, list[str], list[int]]] = {}
        fresh = max([*graph.arcs, *(to for arcs in graph.arcs.values() for _, to in arcs), graph.start]) + 1
        for state, arcs in graph.arcs.items():
            for word, to in arcs:
                labels = self._labels(word, graph, encode)
                if labels is None:
                    continue  # a place with no values: a dead path
                node = state
                for label in labels[:-1]:
                    self.arcs[node].append((label, fresh))
                    node, fresh = fresh, fresh + 1
                self.arcs[node].append((labels[-1] if labels else None, to))
        used = {eot} | {label for arcs in self.arcs.values() for label, _ in arcs if isinstance(label, int)}
        used |= {token for trie, _, _ in self._tries.values() for token in _tokens(trie)}
        self.columns = np.array(sorted(used | set(range(min(_COMMON, vocabulary_size)))), dtype=np.int64)
        """The tokens each step is normalised over (the grammar's and the commonest)."""
        self.index = {int(token): i for i, token in enumerate(self.columns)}
        self.places = {key: _Place(trie, keys, np.array([self.index[t] for t in firsts], dtype=np.int64))
                       for key, (trie, keys, firsts) in self._tries.items()}
        self._closures: dict[int, tuple[list, list, bool]] = {}

    def _labels(self, word: str, graph: WordGraph, encode: Callable[[str], list[int]]) -> Optional[list[Label]]:
        """A word's labels: tokens of its text (with the space before it), places for its ``{slot}`` parts."""
        labels: list[Label] = []
        for i, part in enumerate(_PLACE.split(word)):
            spaced = not labels
            if i % 2 == 0:
                labels.extend(encode((" " if spaced else "") + part) if part else ())
                continue
            key = f"{part} " if spaced else part
            if key not in self._tries:
                said = graph.values.get(part, {})
                self._tries[key] = _trie(said, encode, " " if spaced else "")
            if not self._tries[key][1]:
                return None
            labels.append(key)
        return labels

    def closure(self, node: int) -> tuple[list[tuple[int, int]], list[tuple[str, int]], bool]:
        """What may follow ``node`` through arcs that say nothing: tokens, places, and whether it may end."""
        if node not in self._closures:
            tokens, places, final, seen, todo = [], [], False, {node}, [node]
            while todo:
                at = todo.pop()
                final = final or at in self.finals
                for label, to in self.arcs.get(at, ()):
                    if label is None:
                        if to not in seen:
                            seen.add(to)
                            todo.append(to)
                    elif isinstance(label, int):
                        tokens.append((label, to))
                    else:
                        places.append((label, to))
            self._closures[node] = (tokens, places, final)
        return self._closures[node]

    def margin(self, place: str, pending: Optional[np.ndarray], wording: int) -> float:
        """How much likelier the ``wording``-th way of saying a value of ``place`` began than any other value."""
        found = self.places[place]
        if pending is None:
            return np.inf
        others = pending[[i for i, key in enumerate(found.keys)
                          if key != found.keys[wording] and found.first[i] != found.first[wording]]]
        return float(pending[wording] - others.max()) if len(others) else np.inf


def _trie(said: dict[str, str], encode: Callable[[str], list[int]], space: str) -> tuple[dict, list[str], list[int]]:
    """The wordings of a place's values as a trie of tokens; each end holds the wording's number."""
    root: dict = {}
    keys, firsts = [], []
    for wording, key in said.items():
        tokens = encode(space + wording)
        if not tokens:
            continue
        node = root
        for token in tokens:
            node = node.setdefault(token, {})
        node.setdefault(_END, len(keys))
        keys.append(key)
        firsts.append(tokens[0])
    return root, keys, firsts


def _tokens(trie: dict) -> Iterable[int]:
    for token, child in trie.items():
        if token >= 0:
            yield token
            yield from _tokens(child)


def _options(graph: TokenGraph, at: _Pos) -> Iterable[tuple[int, int, Optional[tuple], Optional[tuple]]]:
    """Each token that may come next: (token, node, inside, (place, wording) completed or None)."""
    if at.inside is not None:
        trie, place, after = at.inside
        for token, child in trie.items():
            if token >= 0:
                yield token, after, (child, place, after), None
        if _END in trie:  # a value said whole: the sentence goes on
            for token, node, inside, _ in _options(graph, _Pos(after)):
                yield token, node, inside, (place, trie[_END])
        return
    tokens, places, _ = graph.closure(at.node)
    for token, to in tokens:
        yield token, to, None, None
    for place, to in places:
        for token, child in graph.places[place].trie.items():
            if token >= 0:
                yield token, to, (child, place, to), None


def _ends(graph: TokenGraph, at: _Pos) -> Optional[float]:
    """None where a sentence cannot end here; else the least margin of the values it says (inf: none)."""
    if at.inside is None:
        return min(at.margins, default=np.inf) if graph.closure(at.node)[2] else None
    trie, place, after = at.inside
    if _END in trie and graph.closure(after)[2]:
        return min((*at.margins, graph.margin(place, at.pending, trie[_END])))
    return None


def _grow(graph: TokenGraph, beam: _Beam, row: np.ndarray, i: int) -> list[Union[_Beam, Found]]:
    """``beam`` ended (where it may end) and followed by each token that may come next."""
    grown: list[Union[_Beam, Found]] = []
    ends = [m for m in (_ends(graph, at) for at in beam.positions) if m is not None]
    if ends:  # the end competes with the tokens for a place in the beam, as in Whisper's
        grown.append(Found(list(beam.tokens), beam.score + float(row[graph.index[graph.eot]]), max(ends)))
    following: dict[int, dict[tuple, _Pos]] = {}
    for at in beam.positions:
        for token, node, inside, completed in _options(graph, at):
            pending, margins = at.pending, at.margins
            if completed is not None:
                pending, margins = None, (*margins, graph.margin(completed[0], pending, completed[1]))
            if inside is not None and (at.inside is None or completed is not None):  # a place begins
                pending = row[graph.places[inside[1]].first]
            new = _Pos(node, inside, pending, margins)
            following.setdefault(token, {}).setdefault(new.key(), new)
    for token, positions in following.items():
        grown.append(_Beam(beam.score + float(row[graph.index[token]]), (*beam.tokens, token),
                           tuple(positions.values()), i))
    return grown


#: Prefixes kept at each step. Over Home Assistant's action templates and a user's sentences, 6 lost a long
#: sentence said in noise to short ones that began better ("first floor to brown" for "sprinkle the back
#: garden for twenty minutes"); 16 kept it, at about 60 ms more a search on this machine.
BEAMS = 16


def search(session: Session, start: list[int], graph: TokenGraph, projection: np.ndarray,
           beams: int = BEAMS, results: int = 4, max_tokens: int = 48) -> list[Found]:
    """The grammar's sentences the audio supports best, up to ``results``, likeliest per token first.
    ``projection`` is the decoder's output embeddings of ``graph.columns``."""
    logp, caches = session.prime(start, 1, projection)
    live = [_Beam(0.0, (), (_Pos(graph.start),), 0)]
    done: list[Found] = []
    for step in range(max_tokens):
        grown = [grown for i, beam in enumerate(live) for grown in _grow(graph, beam, logp[i], i)]
        best = heapq.nlargest(beams, grown, key=lambda b: b.score)
        done += [b for b in best if isinstance(b, Found)]
        live = [b for b in best if isinstance(b, _Beam)]
        if not live or len(done) >= beams:  # as Whisper's beam search: as many finished as beams
            break
        parents = np.array([b.parent for b in live])
        caches = [(k[parents], v[parents]) for k, v in caches]
        logp, caches = session.step(np.array([b.tokens[-1] for b in live]), caches, len(start) + step, projection)
    # Ranked per token, as Whisper ranks its beam: a short sentence is not likelier for being short.
    done.sort(key=lambda found: found.score / (len(found.tokens) + 1), reverse=True)
    return done[:results]
