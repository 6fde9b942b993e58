"""What happened for one utterance: the :class:`Outcome` every way in and out of Hearth shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from app.core.failure import Failure
from devices.commands import MqttMessage
from devices.decision import Decision


@dataclass(frozen=True)
class Outcome:
    """Everything that happened for one utterance."""

    text: str
    """What was heard or typed."""
    decision: Decision
    """What Hearth understood and would do."""
    reply: str
    """What Hearth says back."""
    messages: tuple[MqttMessage, ...] = ()
    """Commands built for the targets (published unless ``dry_run``)."""
    published: bool = False
    """True when the commands reached the broker."""
    failure: Optional[Failure] = None
    """Why nothing (or not everything) was done; None when all went well."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Per-stage times in milliseconds."""
    undone: tuple[Decision, ...] = ()
    """What a correction put back before acting ("no, the living room lamp": the bedroom lamp off again)."""
    heard: tuple[str, ...] = ()
    """Speech-to-text's transcripts considered, likeliest first (empty for typed commands)."""
    audio: Optional[Any] = field(default=None, compare=False, repr=False)
    """The utterance's audio (float32, 16 kHz) where it was spoken; None for typed commands."""

    @property
    def failed(self) -> bool:
        """True when the utterance was not understood or its action not carried out."""
        return self.failure not in (None, Failure.DECLINED, Failure.NEEDS_CONFIRMATION, Failure.NEEDS_CHOICE)

    @property
    def awaiting_confirmation(self) -> bool:
        """True when a sensitive action waits for a spoken "yes"."""
        return self.failure is Failure.NEEDS_CONFIRMATION

    @property
    def follow_up(self) -> bool:
        """True when Hearth asked something back and listens for the answer."""
        return self.failure in (Failure.NEEDS_CONFIRMATION, Failure.NEEDS_CHOICE)

    @property
    def exit_code(self) -> int:
        """0 done, 1 not understood, not possible, not delivered, or waiting for a yes."""
        return self.failure.exit_code if self.failure is not None else 0
