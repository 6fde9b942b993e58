"""Keeps the state store current from the entities' MQTT state topics."""

from __future__ import annotations

import logging
from typing import Callable

from devices.mqtt import MqttLink
from devices.registry import Entity, Home
from devices.state import StateStore, parse_state_payload

_LOGGER = logging.getLogger(__name__)


def _handler(entity: Entity, states: StateStore) -> Callable[[str, bytes], None]:
    def handle(topic: str, payload: bytes) -> None:
        mqtt = entity.mqtt
        try:
            state = parse_state_payload(payload, mqtt.payload_on if mqtt else None, mqtt.payload_off if mqtt else None)
        except (ValueError, UnicodeDecodeError) as err:
            _LOGGER.warning("Ignored state of %s on %s: %s", entity.id, topic, err)
            return
        states.set(entity.id, state)
    return handle


def follow_states(link: MqttLink, home: Home, states: StateStore) -> int:
    """Subscribe to every entity's state topic; returns how many were followed."""
    count = 0
    for entity in home.entities:
        if entity.mqtt is not None and entity.mqtt.state_topic:
            link.subscribe(entity.mqtt.state_topic, _handler(entity, states))
            count += 1
    return count
