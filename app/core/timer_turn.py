"""A timer intent within one utterance: checked, carried out on the timer service, or refused in the home's words.

A delayed command ("turn off the lights in ten minutes") is understood when
it is set, so a mistake is said now rather than when it ends; one that would
need a spoken "yes" is not delayed, since nobody may be there to give it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Optional

from app.timers.service import TimerService
from devices.decision import Decision
from intents.vocabulary import Vocabulary


def refused(decision: Decision, key: str, vocab: Vocabulary, max_hours: float = 0.0) -> Decision:
    """``decision`` failed for ``key``: Home Assistant's error response where it has one (the reply renders
    it from ``reason``), else Hearth's own words from the vocabulary."""
    return replace(decision, error=vocab.replies.get(key, key).format(hours=round(max_hours)), reason=(key, {}))


def _delay_refused(decision: Decision, command: str, vocab: Vocabulary, understand: Callable[[str], Decision],
                   needs_yes: Callable[[Decision], bool]) -> Optional[Decision]:
    inner = understand(command)
    if inner.intent is None:
        return replace(decision, error=vocab.replies["not_understood"])
    if inner.error is not None or not inner.acts:
        return replace(decision, error=inner.error or vocab.replies["not_understood"], reason=inner.reason)
    if needs_yes(inner):
        return refused(decision, "not_delayed", vocab)
    return None


def _named_by_length(decision: Decision, timers: TimerService, vocab: Vocabulary) -> Decision:
    """A timer "named" by a length that no timer is called ("把一小时的计时器增加五分钟" reads 一小时的 as a
    name) is the timer that started with that length, as Home Assistant's ``start_hours`` ... slots say it;
    a new timer keeps its name."""
    slots = decision.recognition.slots
    name = slots.get("name")
    if decision.intent == "HassStartTimer" or name is None or any(
            (t.name or "").casefold() == str(name).casefold() for t in timers.timers()):
        return decision
    parts = vocab.durations(str(name))
    if not parts:
        return decision
    said = {key: value for key, value in slots.items() if key != "name"}
    said.update({f"start_{unit}": amount for amount, unit in parts})
    return replace(decision, recognition=replace(decision.recognition, slots=said))


def run_timer_intent(timers: Optional[TimerService], decision: Decision, site: str, area: Optional[str],
                     dry_run: bool, vocab: Vocabulary, understand: Callable[[str], Decision],
                     needs_yes: Callable[[Decision], bool]) -> tuple[Decision, dict[str, Any]]:
    """The decision (with its error, if it failed) and the slots its response reads (``timers``,
    ``canceled``). ``understand`` reads a delayed command's words; ``needs_yes`` says whether it would ask."""
    if timers is None:
        return refused(decision, "no_timer_support", vocab), {}
    command = decision.recognition.slots.get("conversation_command")
    if decision.intent == "HassStartTimer" and command:
        delay_refused = _delay_refused(decision, str(command), vocab, understand, needs_yes)
        if delay_refused is not None:
            return delay_refused, {}
    decision = _named_by_length(decision, timers, vocab)
    answer = timers.handle(decision, site, area, dry_run)
    if answer.error is not None:
        return refused(decision, answer.error, vocab, timers.settings.max_hours), {}
    return decision, answer.slots
