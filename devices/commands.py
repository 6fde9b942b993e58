"""MQTT messages for an action on one entity, in Home Assistant's MQTT conventions.

Pure functions: (intent, entity, data) in, messages out. Only topics from the
entity's own MQTT settings are ever used, so nothing a user says can make
Hearth publish anywhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from devices.entity_config import MqttEntityConfig
from devices.registry import Entity

#: RGB of the colour names in Home Assistant's English ``color`` list (CSS values).
COLORS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0),
    "orange": (255, 165, 0), "yellow": (255, 255, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "purple": (128, 0, 128), "brown": (165, 42, 42),
    "pink": (255, 192, 203), "turquoise": (64, 224, 208),
}


class CommandError(Exception):
    """The entity cannot carry out this action; the message is for the user."""


@dataclass(frozen=True)
class MqttMessage:
    """One message to publish."""

    topic: str
    """Topic, always one of the entity's configured command topics."""
    payload: str
    """Payload as text."""
    entity_id: str
    """Entity the message commands."""


def _rgb(name: Any) -> tuple[int, int, int]:
    if not isinstance(name, str) or name not in COLORS:
        raise CommandError(f"I don't know the colour {name}")
    return COLORS[name]


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CommandError(f"{key.replace('_', ' ')} must be a number, not {value!r}")
    return value


def _on_off(mqtt: MqttEntityConfig, on: bool) -> str:
    return (mqtt.payload_on or "ON") if on else (mqtt.payload_off or "OFF")


def _require(topic: Optional[str], entity: Entity, what: str) -> str:
    if not topic:
        raise CommandError(f"{entity.name} has no MQTT topic for {what}")
    return topic


def _scaled_brightness(mqtt: MqttEntityConfig, percent: int) -> int:
    return round(percent * mqtt.brightness_scale / 100)


def _light(entity: Entity, mqtt: MqttEntityConfig, intent: str, data: dict[str, Any]) -> list[tuple[Optional[str], str]]:
    on = intent != "HassTurnOff"
    if mqtt.schema_ == "json":
        body: dict[str, Any] = {"state": "ON" if on else "OFF"}
        if "brightness" in data:
            body["brightness"] = _scaled_brightness(mqtt, _number(data, "brightness"))
            body["state"] = "ON" if data["brightness"] > 0 else "OFF"
        if "color" in data:
            r, g, b = _rgb(data["color"])
            body["color"] = {"r": r, "g": g, "b": b}
        return [(mqtt.command_topic, json.dumps(body))]
    if "brightness" in data:
        return [(_require(mqtt.brightness_command_topic, entity, "brightness"), str(_scaled_brightness(mqtt, _number(data, "brightness"))))]
    if "color" in data:
        r, g, b = _rgb(data["color"])
        return [(_require(mqtt.rgb_command_topic, entity, "colour"), f"{r},{g},{b}")]
    return [(mqtt.command_topic, _on_off(mqtt, on))]


def _position(mqtt: MqttEntityConfig, percent: int) -> str:
    span = mqtt.position_open - mqtt.position_closed
    return str(round(mqtt.position_closed + span * percent / 100))


def _payloads(entity: Entity, mqtt: MqttEntityConfig, intent: str, data: dict[str, Any]) -> list[tuple[Optional[str], str]]:
    domain, on = entity.domain, intent == "HassTurnOn"
    if domain == "light" and intent in ("HassTurnOn", "HassTurnOff", "HassLightSet"):
        return _light(entity, mqtt, intent, data)
    if intent in ("HassTurnOn", "HassTurnOff"):
        if domain in ("cover", "valve"):
            return [(mqtt.command_topic, (mqtt.payload_open or "OPEN") if on else (mqtt.payload_close or "CLOSE"))]
        if domain == "lock":
            return [(mqtt.command_topic, (mqtt.payload_lock or "LOCK") if on else (mqtt.payload_unlock or "UNLOCK"))]
        if domain == "climate":
            return [(_require(mqtt.mode_command_topic, entity, "mode"), "heat" if on else "off")]
        if domain == "vacuum":
            return [(mqtt.command_topic, "start" if on else "return_to_base")]
        if domain in ("scene", "script", "button") and not on:
            raise CommandError(f"{entity.name} can only be turned on")
        if domain in ("switch", "fan", "scene", "script", "input_boolean", "media_player", "button"):
            return [(mqtt.command_topic, _on_off(mqtt, on))]
    if intent == "HassSetPosition" and domain == "cover":
        return [(_require(mqtt.set_position_topic, entity, "position"), _position(mqtt, _number(data, "position")))]
    if intent == "HassSetPosition" and domain == "valve":
        return [(mqtt.command_topic, str(_number(data, "position")))]
    if intent == "HassClimateSetTemperature" and domain == "climate":
        return [(_require(mqtt.temperature_command_topic, entity, "temperature"), str(_number(data, "temperature")))]
    if domain == "media_player":
        simple = {"HassMediaPause": "PAUSE", "HassMediaUnpause": "PLAY", "HassMediaNext": "NEXT", "HassMediaPrevious": "PREVIOUS"}
        if intent in simple:
            return [(mqtt.command_topic, simple[intent])]
        if intent == "HassSetVolume":
            return [(_require(mqtt.volume_command_topic, entity, "volume"), str(_number(data, "volume_level")))]
    if domain == "vacuum" and intent in ("HassVacuumStart", "HassVacuumReturnToBase"):
        return [(mqtt.command_topic, "start" if intent == "HassVacuumStart" else "return_to_base")]
    raise CommandError(f"{entity.name} cannot do that")


def build_messages(entity: Entity, intent: str, data: dict[str, Any]) -> list[MqttMessage]:
    """The messages that carry out ``intent`` with ``data`` on ``entity``."""
    if entity.mqtt is None:
        raise CommandError(f"{entity.name} is not connected to MQTT")
    messages = []
    for topic, payload in _payloads(entity, entity.mqtt, intent, data):
        messages.append(MqttMessage(_require(topic, entity, "commands"), payload, entity.id))
    return messages
