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


def parse_json_state(text: str) -> tuple[str, dict[str, Any]]:
    """A JSON state payload (JSON-schema lights, Hearth's simulated devices): the device's own
    ``state`` string, as sent, and the other keys as attributes. ValueError when it is not one."""
    if not text.startswith("{"):  # told apart before parsing: a flood of deep lists costs nothing
        raise ValueError("JSON state without a 'state' string")
    body = json.loads(text)
    if not isinstance(body, dict) or not isinstance(body.get("state"), str):
        raise ValueError("JSON state without a 'state' string")
    if len(body["state"]) > MAX_STATE_LENGTH:
        raise ValueError("state longer than 255 characters")
    return body["state"], {k: v for k, v in body.items() if k != "state"}


def initial_states(states: dict[str, str]) -> StateStore:
    """A store seeded with the states a home file declares (``Home.initial_states``)."""
    return StateStore({entity_id: EntityState(state) for entity_id, state in states.items()})
