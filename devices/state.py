"""Current state of every entity, shared by the resolver, responses and MQTT."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class EntityState:
    """One entity's state as Home Assistant would report it."""

    state: str
    """State string (``on``, ``off``, ``open``, ``locked``, ``21.5``...)."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """Attributes such as brightness, current_temperature, position."""


class StateStore:
    """Thread-safe map of entity id to :class:`EntityState` (MQTT callbacks write it)."""

    def __init__(self, initial: Optional[dict[str, EntityState]] = None) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, EntityState] = dict(initial or {})

    def get(self, entity_id: str) -> EntityState:
        """The entity's state; ``unknown`` when it never reported one."""
        with self._lock:
            return self._states.get(entity_id, EntityState("unknown"))

    def set(self, entity_id: str, state: EntityState) -> None:
        """Record a new state."""
        with self._lock:
            self._states[entity_id] = state

    def snapshot(self) -> dict[str, EntityState]:
        """A copy of every state."""
        with self._lock:
            return dict(self._states)


#: Home Assistant's limit on the length of a state.
MAX_STATE_LENGTH = 255


def parse_state_payload(payload: bytes, payload_on: str | None = None, payload_off: str | None = None) -> EntityState:
    """A state topic's payload as an EntityState.

    JSON objects (JSON-schema lights, Hearth's simulated devices) give
    ``state`` plus attributes; anything else is the state itself, with the
    entity's on/off payloads mapped to Home Assistant's ``on``/``off``.
    Raises ValueError for payloads that are not text.
    """
    text = payload.decode("utf-8").strip()
    if text.startswith("{"):
        body = json.loads(text)
        if not isinstance(body, dict) or not isinstance(body.get("state"), str):
            raise ValueError("JSON state without a 'state' string")
        if len(body["state"]) > MAX_STATE_LENGTH:
            raise ValueError("state longer than 255 characters")
        attrs = {k: v for k, v in body.items() if k != "state"}
        return EntityState(body["state"].lower(), attrs)
    if not text or len(text) > MAX_STATE_LENGTH or not text.isprintable():
        raise ValueError(f"not a state: {len(text)} characters{'' if text.isprintable() else ', unprintable'}")
    mapped = {payload_on or "ON": "on", payload_off or "OFF": "off"}.get(text)
    return EntityState(mapped or text.lower())
