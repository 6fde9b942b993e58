"""Home Assistant's timer intents carried out on a :class:`TimerBook`.

One pure function, :func:`apply`: a decision in, what changed and the slots
its response template reads out (``timers``, ``canceled``), or the error
response's key. Nothing is spoken or published here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from app.timers.book import Timer, TimerBook, TimerError, slot_seconds
from devices.decision import Decision
from intents.vocabulary import Vocabulary


@dataclass(frozen=True)
class TimerChange:
    """What a timer intent did."""

    kind: str
    """``started``, ``updated``, ``cancelled`` (Home Assistant's event types), or ``none`` for a status."""
    timers: tuple[Timer, ...] = ()
    """The timers it concerned, as they are now (as they were, for cancelled ones)."""


@dataclass(frozen=True)
class TimerAnswer:
    """The outcome of one timer intent."""

    change: TimerChange = TimerChange("none")
    """What changed."""
    slots: dict[str, Any] = field(default_factory=dict)
    """Extra slots for the response template (``timers``, ``canceled``)."""
    error: Optional[str] = None
    """Home Assistant's error key (``timer_not_found``...) or one of Hearth's (``timer_too_long``,
    ``too_many_timers``, ``timer_too_short``); None when it worked."""


@dataclass(frozen=True)
class Limits:
    """What one timer may be."""

    max_seconds: int = 24 * 3600
    """Longest timer."""
    max_timers: int = 20
    """Most timers at once, over the whole home."""


def _start(book: TimerBook, slots: dict[str, Any], site: str, area: Optional[str], limits: Limits) -> TimerAnswer:
    seconds = slot_seconds(slots) or 0
    if seconds <= 0:
        return TimerAnswer(error="timer_too_short")
    if seconds > limits.max_seconds:
        return TimerAnswer(error="timer_too_long")
    if len(book.timers) >= limits.max_timers:
        return TimerAnswer(error="too_many_timers")
    command = slots.get("conversation_command")
    timer = book.start(site, seconds, slots.get("name"), area, str(command).strip() if command else None)
    return TimerAnswer(TimerChange("started", (timer,)))


def apply(book: TimerBook, decision: Decision, site: str, area: Optional[str] = None,
          limits: Limits = Limits()) -> TimerAnswer:
    """Carry out a timer intent for ``site`` (in ``area``) on ``book``."""
    intent, slots = decision.intent, decision.recognition.slots
    try:
        if intent == "HassStartTimer":
            return _start(book, slots, site, area, limits)
        if intent == "HassTimerStatus":
            now = book.clock()
            return TimerAnswer(slots={"timers": [t.status(now) for t in book.find_all(slots, site, area)]})
        if intent == "HassCancelAllTimers":
            gone = book.find_all(slots, site, area)
            for timer in gone:
                book.cancel(timer)
            return TimerAnswer(TimerChange("cancelled", tuple(gone)), {"canceled": len(gone)})
        active = {"HassPauseTimer": True, "HassUnpauseTimer": False}.get(intent or "")
        timer = book.find(slots, site, area, active)
        if intent == "HassCancelTimer":
            book.cancel(timer)
            return TimerAnswer(TimerChange("cancelled", (timer,)))
        if intent in ("HassIncreaseTimer", "HassDecreaseTimer"):
            seconds = slot_seconds(slots) or 0
            timer = book.add(timer, seconds if intent == "HassIncreaseTimer" else -seconds)
        else:
            timer = book.pause(timer) if intent == "HassPauseTimer" else book.resume(timer)
        return TimerAnswer(TimerChange("updated", (timer,)))
    except TimerError as err:
        return TimerAnswer(error=err.key)


def announcement(timer: Timer, vocab: Vocabulary) -> str:
    """What is said when ``timer`` ends ("Your 10 minute pasta timer is done")."""
    key = "named_timer_done" if timer.name else "timer_done"
    return vocab.replies[key].format(duration=vocab.duration(*timer.start), name=timer.name or "")
