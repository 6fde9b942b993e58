"""Devices by meaning: the home's devices nearest to what was said, by sentence embedding.

People call a device by other words than its name ("the coffee pot" for the
Coffee Machine, "the hoover" for Rover) or by what it is for ("make me a
coffee"). No word list can hold those; a multilingual sentence embedding
(`models.embedding`) puts "make me a coffee" near "Coffee Machine: switch,
Kitchen" without being told. The nearest devices' plain commands join the
answers the LLM stage may choose from; the model still chooses (or says
"none"), and the templates still read its choice, so what is offered is only
ever a real command on a device of this home.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import numpy as np

from devices.registry import Entity, Home
from intents.vocabulary import Vocabulary


class Embeds(Protocol):
    """A sentence embedding (`models.embedding.Embedder`): unit vectors, queries against passages."""

    def query(self, text: str) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


def describe(entity: Entity, name: str, home: Home) -> str:
    """What the embedding reads for a device: a name of it, its kind and its room, in Home Assistant's
    own terms (the domain), so that no language's words are written here."""
    area = home.area(entity.area_id)
    return f"{name}: {entity.domain.replace('_', ' ')}" + (f", {area.name}" if area else "")


@dataclass(frozen=True)
class Nearest:
    """A device near in meaning to what was said."""

    entity: Entity
    score: float
    """Cosine similarity of the utterance and the device's closest name."""
    standout: float
    """How far that similarity stands out from the home's other devices', in standard deviations: the
    embedding's similarities are all high (0.8-0.9), so only an outlier says that one device is meant."""


class MeaningIndex:
    """The home's commandable devices, each name embedded once; ``nearest`` ranks them for an utterance."""

    def __init__(self, home: Home, vocab: Vocabulary, embedder: Embeds, standout: float = 0.0) -> None:
        self.vocab = vocab
        self.embedder = embedder
        self.standout = standout
        """Devices standing out less than this are not offered (`LlmSettings.meaning_standout`)."""
        rows = [(e, describe(e, name, home)) for e in home.entities if e.domain in vocab.verbs for name in e.names]
        self._entities = [e for e, _ in rows]
        self._vectors = embedder.passages([text for _, text in rows])

    def nearest(self, text: str, count: int) -> list[Nearest]:
        """Up to ``count`` devices whose names are nearest to ``text`` and stand out enough, nearest first."""
        if not self._entities or count <= 0:
            return []
        scores = self._vectors @ self.embedder.query(text)
        best: dict[str, tuple[Entity, float]] = {}
        for entity, score in zip(self._entities, map(float, scores)):
            if entity.id not in best or score > best[entity.id][1]:
                best[entity.id] = (entity, score)
        values = np.array([score for _, score in best.values()])
        spread = float(values.std()) or 1.0
        ranked = sorted(best.values(), key=lambda pair: pair[1], reverse=True)[:count]
        found = [Nearest(e, score, (score - float(values.mean())) / spread) for e, score in ranked]
        return [near for near in found if near.standout >= self.standout]

    def commands(self, text: str, count: int) -> list[list[str]]:
        """The plain commands (in the language's words) on each of the ``count`` devices nearest to ``text``,
        nearest device first."""
        return [[self.vocab.command(verb, near.entity.name, near.entity.domain)
                 for verb in self.vocab.verbs[near.entity.domain]] for near in self.nearest(text, count)]


def meaning_index(home: Home, vocab: Vocabulary, embedder: Optional[Embeds],
                  standout: float = 0.0) -> Optional[MeaningIndex]:
    """The index over ``home``, or None without an embedder."""
    return MeaningIndex(home, vocab, embedder, standout) if embedder is not None else None
