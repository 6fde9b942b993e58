"""Timers wired into a running Hearth: where a finished timer rings, what a delayed command does, MQTT.

Used by ``hearth run`` (rings through its own voice loop) and ``hearth hub``
(rings on the satellite that set the timer). One-shot commands keep no
timers and answer timer intents as a device without timer support.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Optional

from app.broker.timers import TimerPublisher
from app.core.assistant import Assistant
from app.timers.book import Timer
from app.timers.service import TimerService
from devices.mqtt import MqttLink

_LOGGER = logging.getLogger(__name__)


def serve_timers(assistant: Assistant, announce: Callable[[str, str], None], link: Optional[MqttLink] = None,
                 sites: tuple[str, ...] = (), clock: Callable[[], float] = time.time) -> TimerService:
    """Give ``assistant`` a timer service that rings with ``announce(site, text)`` and publishes on
    ``link``; the caller starts it (``.start()``) and stops it. ``sites`` get their (retained) timer
    list published whenever the broker connects."""
    settings = assistant.settings
    service = TimerService(settings.timers, settings.timers.path(), clock)

    def ring(timer: Timer, count: int) -> None:
        _LOGGER.info("Timer %s ended on %s (ring %d)", timer.id, timer.site, count + 1)
        announce(timer.site, assistant.announcement(timer))

    def run_command(timer: Timer) -> None:
        failed = assistant.carry_out_later(timer)
        if failed is not None:
            announce(timer.site, failed)

    service.ringer, service.run_command = ring, run_command
    if link is not None:
        publisher = TimerPublisher(link, settings.mqtt.topic_prefix, service.timers, clock)
        service.listeners.append(publisher.changed)
        for site in sites:
            link.when_connected(lambda site=site: publisher.publish_state(site))
    assistant.timers = service
    return service
