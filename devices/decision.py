"""Typed messages from understanding to the home: what was understood, and what would be done.

A recogniser (Home Assistant's templates, taught phrases, the LLM) turns text into a
:class:`Recognition` in Home Assistant's intent vocabulary; the resolver in
:mod:`devices.resolve` turns that into a :class:`Decision` with the exact
target entities and normalised action data. They live in the device layer, the lowest that uses
them, so that resolution never imports understanding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from devices.home_assistant import ACTION_INTENTS, TIMER_INTENTS


class Source(str, Enum):
    """Which stage decided."""

    TEMPLATE = "template"
    LLM = "llm"
    NONE = "none"


@dataclass(frozen=True)
class Recognition:
    """What a recogniser understood, before it is applied to the home."""

    intent: Optional[str]
    """Home Assistant intent name, or None when nothing was recognised."""
    slots: dict[str, Any] = field(default_factory=dict)
    """Home Assistant slot names to values (name, area, floor, domain, brightness...)."""
    slot_texts: dict[str, str] = field(default_factory=dict)
    """The words that filled each slot, for responses ("the kitchen")."""
    response_key: Optional[str] = None
    """Which of the intent's response templates applies."""
    source: Source = Source.NONE
    """Stage that produced it."""
    confidence: float = 0.0
    """0..1; templates are 1.0 when they match."""
    requires: dict[str, Any] = field(default_factory=dict, compare=False)
    """What the template requires of its targets (Home Assistant's ``requires_context``: a domain): "lock
    the Front Door" means the lock, not a light that shares its name."""


@dataclass(frozen=True)
class Decision:
    """A recognition applied to the home: what exactly would be done."""

    recognition: Recognition
    """What was understood."""
    targets: tuple[str, ...] = ()
    """Entity ids acted on or asked about, in registry order."""
    data: dict[str, Any] = field(default_factory=dict)
    """Normalised action parameters (brightness %, color name, temperature...)."""
    matched: tuple[str, ...] = ()
    """For questions with a state filter: the targets in that state."""
    error: Optional[str] = None
    """Why the recognition cannot be carried out (English, for logs and ``hearth eval``)."""
    reason: Optional[tuple[str, dict[str, Any]]] = None
    """The same as Home Assistant's error response key and its slots (``("no_area", {"area": "Attic"})``),
    which the reply renders in the home's language."""

    @property
    def intent(self) -> Optional[str]:
        """Intent name, None when nothing was recognised.

        An understood command on something the home lacks keeps its intent
        (with no targets and an ``error``), as Home Assistant reports it.
        """
        return self.recognition.intent

    @property
    def action(self) -> tuple:
        """What would be done, comparable between decisions: intent, sorted targets, sorted data."""
        return self.intent, tuple(sorted(self.targets)), tuple(sorted((k, str(v)) for k, v in self.data.items()))

    @property
    def acts(self) -> bool:
        """True when this would change a device."""
        return self.error is None and self.recognition.intent in ACTION_INTENTS and bool(self.targets)

    @property
    def timer(self) -> bool:
        """True when this is one of the timer intents Hearth runs itself, and nothing stands in its way yet."""
        return self.error is None and self.recognition.intent in TIMER_INTENTS
