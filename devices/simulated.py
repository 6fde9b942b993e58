"""A simulated home: virtual MQTT devices that obey commands and report state.

Used by ``hearth demo`` and the tests. Each virtual device listens on its
entity's command topics, applies the command the way a real device would,
and publishes its new state (retained) on its state topic.
"""

from __future__ import annotations

import json
import logging
from typing import Optional

from devices.commands import COLORS
from devices.mqtt import MessageHandler, MqttLink
from devices.registry import Entity, Home
from devices.state import EntityState, StateStore

_LOGGER = logging.getLogger(__name__)

_TOPIC_KINDS = ("command_topic", "brightness_command_topic", "rgb_command_topic", "set_position_topic",
                "temperature_command_topic", "mode_command_topic", "volume_command_topic")

_COMMAND_STATES = {
    "ON": "on", "OFF": "off", "OPEN": "open", "CLOSE": "closed", "LOCK": "locked", "UNLOCK": "unlocked",
    "start": "cleaning", "return_to_base": "returning", "PLAY": "playing", "PAUSE": "paused",
}


def _color_name(rgb: dict) -> Optional[str]:
    wanted = (rgb.get("r"), rgb.get("g"), rgb.get("b"))
    return next((name for name, value in COLORS.items() if value == wanted), None)


def apply_command(entity: Entity, kind: str, payload: str, old: EntityState) -> EntityState:
    """The state a well-behaved device would have after this command."""
    attrs = dict(old.attributes)
    mqtt = entity.mqtt
    if kind == "command_topic" and mqtt is not None and mqtt.schema_ == "json":
        body = json.loads(payload)
        if "brightness" in body:
            attrs["brightness"] = round(100 * int(body["brightness"]) / mqtt.brightness_scale)
        if isinstance(body.get("color"), dict):
            attrs["color"] = _color_name(body["color"])
        return EntityState("on" if body.get("state") == "ON" else "off", attrs)
    if kind == "command_topic" and entity.domain == "valve" and payload.isdigit():
        attrs["position"] = int(payload)
        return EntityState("open" if int(payload) > 0 else "closed", attrs)
    if kind == "command_topic":
        state = {(mqtt.payload_on if mqtt else None): "on", (mqtt.payload_off if mqtt else None): "off"}.get(payload)
        return EntityState(state or _COMMAND_STATES.get(payload, payload.lower()), attrs)
    if kind == "brightness_command_topic" and mqtt is not None:
        attrs["brightness"] = round(100 * int(payload) / mqtt.brightness_scale)
        return EntityState("on" if int(payload) > 0 else "off", attrs)
    if kind == "rgb_command_topic":
        r, g, b = (int(x) for x in payload.split(","))
        attrs["color"] = _color_name({"r": r, "g": g, "b": b})
        return EntityState("on", attrs)
    if kind == "set_position_topic":
        attrs["position"] = int(payload)
        return EntityState("open" if int(payload) > 0 else "closed", attrs)
    if kind == "temperature_command_topic":
        attrs["temperature"] = float(payload)
        return EntityState(old.state, attrs)
    if kind == "mode_command_topic":
        return EntityState(payload, attrs)
    if kind == "volume_command_topic":
        attrs["volume_level"] = int(payload)
        return EntityState(old.state, attrs)
    raise ValueError(f"unknown command kind {kind}")


def describe(state: EntityState) -> str:
    """``on (brightness 40%, color blue)`` for printing."""
    extras = [f"{k} {v}{'%' if k in ('brightness', 'position', 'volume_level') else ''}"
              for k, v in state.attributes.items() if v is not None]
    return f"{state.state} ({', '.join(extras)})" if extras else state.state


class SimulatedHome:
    """Virtual devices for every entity of a home that has MQTT topics."""

    def __init__(self, home: Home, states: StateStore, link: MqttLink) -> None:
        self.home = home
        self.states = states
        self.link = link
        self.applied: dict[str, int] = {}
        """Commands applied so far, per entity id."""

    def start(self) -> None:
        """Subscribe to every command topic."""
        for entity in self.home.entities:
            if entity.mqtt is None:
                continue
            for kind in _TOPIC_KINDS:
                topic = getattr(entity.mqtt, kind)
                if topic:
                    self.link.subscribe(topic, self._handler(entity, kind))

    def _handler(self, entity: Entity, kind: str) -> MessageHandler:
        def handle(topic: str, payload: bytes) -> None:
            try:
                new = apply_command(entity, kind, payload.decode("utf-8"), self.states.get(entity.id))
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
                _LOGGER.warning("Virtual %s ignored a bad command on %s: %s", entity.id, topic, err)
                return
            self.states.set(entity.id, new)
            if entity.mqtt and entity.mqtt.state_topic:
                self.link.publish(entity.mqtt.state_topic, json.dumps({"state": new.state, **new.attributes}),
                                  retain=True, wait=False)
            self.applied[entity.id] = self.applied.get(entity.id, 0) + 1
        return handle
