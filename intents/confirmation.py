"""Sensitive actions wait for a spoken "yes".

Unlocking a door, opening a garage door, gate or valve, and disarming are
not carried out on one utterance: Hearth asks, and acts only if the next
utterance from the same place confirms within a short time. Each entity can
opt in or out (``confirm:`` in config.yaml).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

from devices.decision import Decision
from devices.registry import Entity, Home

#: Device classes of covers that open a way into the home.
_ENTRY_COVERS = frozenset({"garage", "garage_door", "gate", "door"})


def sensitive(entity: Entity, intent: str) -> bool:
    """Whether this action on this entity needs a confirmation by default (or as configured)."""
    if entity.confirm is not None:
        return entity.confirm and intent in ("HassTurnOn", "HassTurnOff", "HassSetPosition")
    if entity.domain == "lock":
        return intent == "HassTurnOff"  # unlock
    if entity.domain == "valve" or (entity.domain == "cover" and entity.device_class in _ENTRY_COVERS):
        return intent in ("HassTurnOn", "HassSetPosition")  # open
    if entity.domain == "alarm_control_panel":
        return intent == "HassTurnOff"  # disarm
    return False


@dataclass(frozen=True)
class Pending:
    """An action waiting for its "yes"."""

    decision: Decision
    """What would be done."""
    expires: float
    """Monotonic time after which it is forgotten."""


class Confirmations:
    """Pending sensitive actions, one per site."""

    def __init__(self, timeout: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self._clock = clock
        self._pending: dict[str, Pending] = {}

    def needed(self, decision: Decision, home: Home) -> list[str]:
        """Names of the targets that need a confirmation for this decision."""
        intent = decision.recognition.intent or ""
        entities = [home.entity(t) for t in decision.targets]
        return [e.name for e in entities if e is not None and sensitive(e, intent)]

    def ask(self, site: str, decision: Decision) -> None:
        """Remember ``decision`` until confirmed, refused or expired."""
        self._pending[site] = Pending(decision, self._clock() + self.timeout)

    def take(self, site: str) -> Optional[Decision]:
        """The pending decision for ``site`` if still valid; it is forgotten either way."""
        pending = self._pending.pop(site, None)
        if pending is None or pending.expires < self._clock():
            return None
        return pending.decision

    def waiting(self, site: str) -> bool:
        """True when ``site`` has a valid pending decision."""
        pending = self._pending.get(site)
        return pending is not None and pending.expires >= self._clock()
