"""Timers on MQTT: a retained list per site and an event for each change.

``<topic_prefix>/<site>/timers`` holds ``{"count": n, "timers": [...]}``,
retained, each timer in Home Assistant's status shape plus ``ends_at``
(ISO 8601; null while paused), so a dashboard shows them and a restart of
Home Assistant finds them. ``<topic_prefix>/<site>/timers/event`` carries
``{"type": "started" | "updated" | "cancelled" | "finished", "timer": {...}}``,
not retained. Home Assistant sees the list as the ``Timers`` sensor of
Hearth's device (`app.broker.ha_device`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Callable

from app.timers.book import Timer
from devices.mqtt import MqttError, MqttLink

_LOGGER = logging.getLogger(__name__)


def timers_topic(prefix: str, site: str) -> str:
    """The retained list of ``site``'s timers."""
    return f"{prefix}/{site}/timers"


def _described(timer: Timer, now: float) -> dict[str, Any]:
    ends = None if timer.paused else datetime.fromtimestamp(timer.ends_at, timezone.utc).isoformat()
    return {**timer.status(now), "site": timer.site, "command": timer.command, "ends_at": ends}


def timers_state(timers: tuple[Timer, ...], site: str, now: float) -> dict[str, Any]:
    """The retained payload for ``site``."""
    mine = [_described(t, now) for t in timers if t.site == site]
    return {"count": len(mine), "timers": mine}


class TimerPublisher:
    """Publishes the list and the events; fire and forget, so a broker that is down never holds a timer up."""

    def __init__(self, link: MqttLink, prefix: str, timers: Callable[[], tuple[Timer, ...]],
                 clock: Callable[[], float]) -> None:
        self.link = link
        self.prefix = prefix
        self._timers = timers
        self._clock = clock

    def _send(self, topic: str, payload: dict[str, Any], retain: bool = False) -> None:
        if not self.link.connected:
            return
        try:
            self.link.publish(topic, json.dumps(payload), retain=retain, wait=False)
        except MqttError as err:
            _LOGGER.warning("Timers not published to %s: %s", topic, err)

    def publish_state(self, site: str) -> None:
        """The retained list of ``site``'s timers, as it is now."""
        self._send(timers_topic(self.prefix, site), timers_state(self._timers(), site, self._clock()), retain=True)

    def changed(self, kind: str, timer: Timer) -> None:
        """A timer listener: the event, then the site's list."""
        self._send(f"{timers_topic(self.prefix, timer.site)}/event",
                   {"type": kind, "timer": _described(timer, self._clock())})
        self.publish_state(timer.site)
