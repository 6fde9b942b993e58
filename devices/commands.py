"""MQTT messages for an action on one entity, in Home Assistant's MQTT conventions.

Pure functions: (intent, entity, data) in, messages out. Only topics from the
entity's own MQTT settings are ever used, so nothing a user says can make
Hearth publish anywhere else.
"""

from __future__ import annotations

import colorsys
import json
from dataclasses import dataclass
from typing import Any, Optional

from devices.entity_config import MqttEntityConfig
from devices.registry import Entity
from devices.value_template import TemplateError, render

#: RGB of the colour names in Home Assistant's English ``color`` list (CSS values).
COLORS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0),
    "orange": (255, 165, 0), "yellow": (255, 255, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "purple": (128, 0, 128), "brown": (165, 42, 42),
    "pink": (255, 192, 203), "turquoise": (64, 224, 208),
}


class CommandError(Exception):
    """The entity cannot carry out this action. The message is English; ``key`` and ``slots`` let the
    reply be said in the home's language (the vocabulary's reply of that name)."""

    def __init__(self, message: str, key: str = "cannot_do", **slots: Any) -> None:
        super().__init__(message)
        self.key = key
        """Which reply says it (``not_connected``, ``unknown_color``, ``only_on``, ``no_topic``...)."""
        self.slots = slots
        """What the reply names (``name``, ``color``, ``what``)."""


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
        raise CommandError(f"I don't know the colour {name}", "unknown_color", color=name)
    return COLORS[name]


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CommandError(f"{key.replace('_', ' ')} must be a number, not {value!r}", "not_a_number",
                           what=key.replace("_", " "), value=value)
    return value


def _on_off(mqtt: MqttEntityConfig, on: bool) -> str:
    return (mqtt.payload_on or "ON") if on else (mqtt.payload_off or "OFF")


def _require(topic: Optional[str], entity: Entity, what: str) -> str:
    if not topic:
        raise CommandError(f"{entity.name} has no MQTT topic for {what}", "no_topic", name=entity.name, what=what)
    return topic


def _scaled_brightness(mqtt: MqttEntityConfig, percent: int) -> int:
    return round(percent * mqtt.brightness_scale / 100)


def _templated(template: Optional[str], default: str, **variables: Any) -> str:
    """The payload from the entity's command template, else ``default``."""
    if not template:
        return default
    try:
        return render(template, **variables)
    except TemplateError as err:
        raise CommandError(f"the device's command template failed: {err}", "template_failed", error=err) from None


def _xy(r: int, g: int, b: int) -> tuple[float, float]:
    """sRGB to CIE 1931 xy, as lights that take ``xy`` colours expect."""
    lin = [((c / 255 + 0.055) / 1.055) ** 2.4 if c / 255 > 0.04045 else c / 255 / 12.92 for c in (r, g, b)]
    x = lin[0] * 0.4124 + lin[1] * 0.3576 + lin[2] * 0.1805
    y = lin[0] * 0.2126 + lin[1] * 0.7152 + lin[2] * 0.0722
    z = lin[0] * 0.0193 + lin[1] * 0.1192 + lin[2] * 0.9505
    total = x + y + z
    return (round(x / total, 4), round(y / total, 4)) if total else (0.3127, 0.329)


def _hs(r: int, g: int, b: int) -> tuple[float, float]:
    h, s, _ = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
    return round(h * 360, 1), round(s * 100, 1)


def _json_color(mqtt: MqttEntityConfig, name: Any) -> dict[str, float]:
    r, g, b = _rgb(name)
    modes = set(mqtt.supported_color_modes)
    if modes and not modes & {"rgb", "rgbw", "rgbww"}:
        if "xy" in modes:
            x, y = _xy(r, g, b)
            return {"x": x, "y": y}
        if "hs" in modes:
            h, sat = _hs(r, g, b)
            return {"h": h, "s": sat}
    return {"r": r, "g": g, "b": b}


def _light(entity: Entity, mqtt: MqttEntityConfig, intent: str, data: dict[str, Any]) -> list[tuple[Optional[str], str]]:
    on = intent != "HassTurnOff"
    if mqtt.schema_ == "json":
        body: dict[str, Any] = {"state": "ON" if on else "OFF"}
        if "brightness" in data:
            if mqtt.brightness is False and not set(mqtt.supported_color_modes) - {"onoff"}:
                raise CommandError(f"{entity.name} cannot be dimmed", "cannot_do", name=entity.name)
            body["brightness"] = _scaled_brightness(mqtt, _number(data, "brightness"))
            body["state"] = "ON" if data["brightness"] > 0 else "OFF"
        if "color" in data:
            body["color"] = _json_color(mqtt, data["color"])
        return [(mqtt.command_topic, json.dumps(body))]
    if "brightness" in data:
        value = _scaled_brightness(mqtt, _number(data, "brightness"))
        return [(_require(mqtt.brightness_command_topic, entity, "brightness"),
                 _templated(mqtt.brightness_command_template, str(value), value=value))]
    if "color" in data:
        r, g, b = _rgb(data["color"])
        return [(_require(mqtt.rgb_command_topic, entity, "colour"),
                 _templated(mqtt.rgb_command_template, f"{r},{g},{b}", red=r, green=g, blue=b))]
    return [(mqtt.command_topic, _command(mqtt, _on_off(mqtt, on)))]


def _command(mqtt: MqttEntityConfig, payload: str) -> str:
    """A main command payload, through the entity's ``command_template`` if it has one."""
    return _templated(mqtt.command_template, payload, value=payload)


def _position(mqtt: MqttEntityConfig, percent: int) -> str:
    span = mqtt.position_open - mqtt.position_closed
    return str(round(mqtt.position_closed + span * percent / 100))


def _payloads(entity: Entity, mqtt: MqttEntityConfig, intent: str, data: dict[str, Any]) -> list[tuple[Optional[str], str]]:
    domain, on = entity.domain, intent == "HassTurnOn"
    if domain == "light" and intent in ("HassTurnOn", "HassTurnOff", "HassLightSet"):
        return _light(entity, mqtt, intent, data)
    if intent in ("HassTurnOn", "HassTurnOff"):
        if domain in ("cover", "valve"):
            return [(mqtt.command_topic, _command(mqtt, (mqtt.payload_open or "OPEN") if on else (mqtt.payload_close or "CLOSE")))]
        if domain == "lock":
            return [(mqtt.command_topic, _command(mqtt, (mqtt.payload_lock or "LOCK") if on else (mqtt.payload_unlock or "UNLOCK")))]
        if domain == "climate":
            mode = _hvac_mode(entity, mqtt, on)
            return [(_require(mqtt.mode_command_topic, entity, "mode"), _templated(mqtt.mode_command_template, mode, value=mode))]
        if domain == "vacuum":
            return [(mqtt.command_topic, _vacuum(mqtt, on))]
        if domain in ("scene", "script", "button") and not on:
            raise CommandError(f"{entity.name} can only be turned on", "only_on", name=entity.name)
        if domain == "button":
            return [(mqtt.command_topic, _command(mqtt, mqtt.payload_press or "PRESS"))]
        if domain in ("switch", "fan", "scene", "script", "input_boolean", "media_player"):
            return [(mqtt.command_topic, _command(mqtt, _on_off(mqtt, on)))]
    if intent == "HassSetPosition" and domain == "cover":
        position = _position(mqtt, _number(data, "position"))
        return [(_require(mqtt.set_position_topic, entity, "position"),
                 _templated(mqtt.set_position_template, position, position=int(position), value=int(position)))]
    if intent == "HassSetPosition" and domain == "valve":
        return [(mqtt.command_topic, _command(mqtt, str(_number(data, "position"))))]
    if intent == "HassClimateSetTemperature" and domain == "climate":
        value = _target_temperature(entity, mqtt, _number(data, "temperature"))
        return [(_require(mqtt.temperature_command_topic, entity, "temperature"),
                 _templated(mqtt.temperature_command_template, str(value), value=value))]
    if domain == "media_player":
        simple = {"HassMediaPause": "PAUSE", "HassMediaUnpause": "PLAY", "HassMediaNext": "NEXT", "HassMediaPrevious": "PREVIOUS"}
        if intent in simple:
            return [(mqtt.command_topic, simple[intent])]
        if intent in ("HassSetVolume", "HassSetVolumeRelative"):
            return [(_require(mqtt.volume_command_topic, entity, "volume"), str(_number(data, "volume_level")))]
    if domain == "vacuum" and intent in ("HassVacuumStart", "HassVacuumReturnToBase"):
        return [(mqtt.command_topic, _vacuum(mqtt, intent == "HassVacuumStart"))]
    raise CommandError(f"{entity.name} cannot do that", "cannot_do", name=entity.name)


def _hvac_mode(entity: Entity, mqtt: MqttEntityConfig, on: bool) -> str:
    """The HVAC mode that turns a climate on or off, chosen as Home Assistant's ``climate.turn_on`` does:
    the one mode beside ``off``, else ``heat_cool``, ``heat`` or ``cool``; ``heat`` when no modes are set."""
    modes = mqtt.modes
    if not modes:
        return "heat" if on else "off"
    if not on:
        chosen: Optional[str] = "off" if "off" in modes else None
    elif len(modes) == 2 and "off" in modes:
        chosen = next(m for m in modes if m != "off")
    else:
        chosen = next((m for m in ("heat_cool", "heat", "cool") if m in modes), None)
    if chosen is None:
        raise CommandError(f"{entity.name} cannot do that", "cannot_do", name=entity.name)
    return chosen


def _target_temperature(entity: Entity, mqtt: MqttEntityConfig, value: float) -> float:
    """``value`` within the entity's ``min_temp``..``max_temp`` (else refused, as Home Assistant refuses it),
    rounded to its ``temp_step``."""
    low, high = mqtt.min_temp, mqtt.max_temp
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{_plain(low) if low is not None else '-'} to {_plain(high) if high is not None else '-'}"
        raise CommandError(f"{entity.name} takes temperatures from {bounds}, not {_plain(value)}", "out_of_range",
                           name=entity.name, value=_plain(value), min=low, max=high)
    step = mqtt.temp_step
    if not step:
        return value
    rounded = round(round(value / step) * step, 6)
    if high is not None and rounded > high:
        rounded = round(rounded - step, 6)
    if low is not None and rounded < low:
        rounded = value if high is not None and rounded + step > high else round(rounded + step, 6)
    return int(rounded) if float(step).is_integer() and float(rounded).is_integer() else rounded


def _plain(value: float) -> float:
    return int(value) if float(value).is_integer() else value


def _vacuum(mqtt: MqttEntityConfig, start: bool) -> str:
    return (mqtt.payload_start or "start") if start else (mqtt.payload_return_to_base or "return_to_base")


def build_messages(entity: Entity, intent: str, data: dict[str, Any]) -> list[MqttMessage]:
    """The messages that carry out ``intent`` with ``data`` on ``entity``."""
    if entity.mqtt is None:
        raise CommandError(f"{entity.name} is not connected to MQTT", "not_connected", name=entity.name)
    data = {**data, **(data.get("per_target") or {}).get(entity.id, {})}  # a relative change's own level
    messages = []
    for topic, payload in _payloads(entity, entity.mqtt, intent, data):
        messages.append(MqttMessage(_require(topic, entity, "commands"), payload, entity.id))
    return messages
