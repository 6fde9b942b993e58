"""Spoken replies from Home Assistant's response templates.

The templates are Jinja2 written for Home Assistant's state objects; they are
rendered in a sandbox with the same variables Home Assistant gives them
(``slots``, ``state``, ``query``, ``state_attr``) built from Hearth's
registry and live state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from devices.decision import Decision
from devices.registry import Home
from devices.state import StateStore

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResponseState:
    """The subset of Home Assistant's State object that response templates read."""

    entity_id: str
    name: str
    state: str
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return self.entity_id.split(".", 1)[0]

    @property
    def state_with_unit(self) -> str:
        unit = self.attributes.get("unit_of_measurement")
        return f"{self.state} {unit}" if unit else self.state


class Responder:
    """Renders the reply for a decision."""

    def __init__(self, templates: dict[str, dict[str, str]], now: Callable[[], datetime] = datetime.now,
                 done: str = "Done", errors: Optional[dict[str, str]] = None,
                 not_understood: str = "Sorry, I didn't understand that") -> None:
        self.templates = templates
        """Response templates per intent, as Home Assistant ships them."""
        self.done = done
        """The reply where no template says more (the vocabulary's ``done``)."""
        self.errors = errors or {}
        """Home Assistant's error responses of the language ("no_area": "Sorry, I am not aware of...")."""
        self.not_understood = not_understood
        """The reply when nothing was understood (the vocabulary's, which the speaker keeps ready)."""
        self._env = SandboxedEnvironment()
        self._now = now

    def _states(self, ids: tuple[str, ...], home: Home, states: StateStore) -> list[ResponseState]:
        result = []
        for entity_id in ids:
            entity = home.entity(entity_id)
            current = states.get(entity_id)
            if entity is not None:
                attrs = {**entity.attributes, **current.attributes}
                result.append(ResponseState(entity_id, entity.name, current.state, attrs))
        return result

    def _error(self, decision: Decision) -> str:
        if decision.intent is None:
            return self.not_understood
        key, slots = decision.reason or ("", {})
        template = self.errors.get(key)
        if not template:
            return decision.error or ""
        try:
            return " ".join(self._env.from_string(template).render(**slots).split())
        except (TemplateError, TypeError, ValueError, AttributeError) as err:
            _LOGGER.warning("Error response %s failed: %s", key, err)
            return decision.error or ""

    def render(self, decision: Decision, home: Home, states: StateStore,
               spoken: Optional[dict[str, Any]] = None) -> str:
        """The reply to speak; for an error, Home Assistant's error response in the language. ``spoken``
        holds slots the intent's handler adds (``timers``, ``canceled``), as Home Assistant's speech slots."""
        if decision.error:
            return self._error(decision)
        recognition = decision.recognition
        template = self.templates.get(recognition.intent or "", {}).get(recognition.response_key or "default")
        if template is not None and not template.strip():
            return ""  # an intent that answers with silence (HassNevermind)
        if not template:
            return self.done
        matched = self._states(decision.matched, home, states)
        unmatched = self._states(tuple(t for t in decision.targets if t not in decision.matched), home, states)
        first: Optional[ResponseState] = (matched or unmatched or [None])[0]
        now = self._now()
        slots: dict[str, Any] = {k: recognition.slot_texts.get(k, v) for k, v in recognition.slots.items()}
        slots.update(date=now.date(), time=now.time(), timers=[], canceled=0)
        slots.update(spoken or {})
        every = matched + unmatched

        def state_attr(entity_id: str, name: str) -> Any:
            return next((s.attributes.get(name) for s in every if s.entity_id == entity_id), None)

        try:
            text = self._env.from_string(template).render(
                slots=slots,
                state=first,
                query={"matched": matched, "unmatched": unmatched, "total_results": len(every)},
                state_attr=state_attr,
            )
        except (TemplateError, TypeError, ValueError, AttributeError) as err:
            _LOGGER.warning("Response template %s/%s failed: %s", recognition.intent, recognition.response_key, err)
            return self.done
        return " ".join(text.split()) or self.done
