"""Keeps the state store current from the entities' MQTT state topics.

Each payload is read the way Home Assistant's MQTT integration reads it: the
entity's ``value_template`` (sandboxed), its own state payloads mapped to Home
Assistant's states (``LOCKED`` → ``locked``), positions, brightness, HVAC
modes and measured temperatures on their own topics. Entities may share a
topic (zigbee2mqtt publishes one JSON object per device), and entities found
later by discovery are followed as they appear.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Optional

from devices.entity_config import MqttEntityConfig
from devices.home_assistant import ON_OFF_DOMAINS
from devices.hushed import Hushed
from devices.mqtt import MqttLink
from devices.registry import Entity, Home
from devices.state import MAX_STATE_LENGTH, EntityState, StateStore, parse_json_state
from devices.value_template import TemplateError, render_value

_LOGGER = logging.getLogger(__name__)



def _decode(payload: bytes) -> str:
    text = payload.decode("utf-8").strip()
    if len(text) > 65536:
        raise ValueError(f"payload too long ({len(text)} characters)")
    return text


def _extract(template: Optional[str], text: str) -> Optional[str]:
    """The value a template picks out of a payload; None when it has nothing to say."""
    if not template:
        return text
    try:
        value = render_value(template, text)
    except TemplateError as err:
        raise ValueError(str(err)) from None
    return value or None


def map_state(entity: Entity, text: str) -> str:
    """A device's own state payload as Home Assistant's state string."""
    mqtt = entity.mqtt or MqttEntityConfig()
    domain = entity.domain
    if domain == "lock":
        table = {mqtt.state_locked or "LOCKED": "locked", mqtt.state_unlocked or "UNLOCKED": "unlocked"}
    elif domain in ("cover", "valve"):
        table = {mqtt.state_open or "open": "open", mqtt.state_closed or "closed": "closed"}
    elif domain in ON_OFF_DOMAINS:
        table = {mqtt.state_on or mqtt.payload_on or "ON": "on", mqtt.state_off or mqtt.payload_off or "OFF": "off"}
    else:
        table = {}
    state = table.get(text, text.lower())
    if not state or len(state) > MAX_STATE_LENGTH or not state.isprintable():
        raise ValueError(f"not a state: {len(state)} characters")
    return state


def _number(text: Optional[str], what: str) -> Optional[float]:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{what} is not a number: {text[:40]!r}") from None


def _from_state_topic(entity: Entity, mqtt: MqttEntityConfig, text: str, current: EntityState) -> Optional[EntityState]:
    template = mqtt.value_template or (mqtt.state_value_template if entity.domain == "light" else None)
    if template is None and text.startswith("{"):
        raw, attributes = parse_json_state(text)  # JSON-schema lights, simulated devices
        if isinstance(attributes.get("brightness"), (int, float)) and mqtt.brightness_scale != 255:
            attributes["brightness"] = round(attributes["brightness"] * 255 / mqtt.brightness_scale)
        return EntityState(map_state(entity, raw), {**current.attributes, **attributes})
    value = _extract(template, text)
    if value is None:
        return None
    return replace(current, state=map_state(entity, value))


def _from_position(mqtt: MqttEntityConfig, text: str, current: EntityState) -> Optional[EntityState]:
    value = _number(_extract(mqtt.position_template, text), "position")
    if value is None:
        return None
    span = (mqtt.position_open - mqtt.position_closed) or 100
    percent = max(0, min(100, round((value - mqtt.position_closed) * 100 / span)))
    state = current.state if mqtt.state_topic else ("open" if percent > 0 else "closed")
    return EntityState(state, {**current.attributes, "current_position": percent})


def _attribute(current: EntityState, name: str, value: Optional[float]) -> Optional[EntityState]:
    return None if value is None else EntityState(current.state, {**current.attributes, name: value})


def interpret(entity: Entity, topic: str, payload: bytes, current: EntityState) -> Optional[EntityState]:
    """The entity's state after ``payload`` on ``topic``; None when the payload says nothing.
    Raises ValueError (or UnicodeDecodeError) for payloads that cannot be read."""
    mqtt = entity.mqtt
    if mqtt is None:
        return None
    text = _decode(payload)
    state: Optional[EntityState] = None
    if topic == mqtt.state_topic and entity.domain != "climate":  # a climate's state is its mode
        state = _from_state_topic(entity, mqtt, text, current)
    if topic == mqtt.position_topic:
        state = _from_position(mqtt, text, state or current) or state
    if topic == mqtt.current_temperature_topic:
        value = _number(_extract(mqtt.current_temperature_template, text), "temperature")
        state = _attribute(state or current, "current_temperature", value) or state
    if topic == mqtt.temperature_state_topic:  # the target temperature, as Home Assistant's climate reads it
        value = _number(_extract(mqtt.temperature_state_template, text), "temperature")
        state = _attribute(state or current, "temperature", value) or state
    if topic == mqtt.brightness_state_topic:
        value = _number(_extract(mqtt.brightness_value_template, text), "brightness")
        scaled = None if value is None else round(value * 255 / mqtt.brightness_scale)
        state = _attribute(state or current, "brightness", scaled) or state
    if topic == mqtt.mode_state_topic:
        mode = _extract(mqtt.mode_state_template, text)
        state = replace(state or current, state=map_state(entity, mode)) if mode else state
    return state


class StateFollower:
    """Subscribes to every state topic of the home and keeps ``states`` current.

    ``follow(home)`` may be called again whenever the registry changes (on the
    network thread, from discovery): new topics are subscribed, and entities
    that left are no longer updated.
    """

    def __init__(self, link: MqttLink, states: StateStore) -> None:
        self.link = link
        self.states = states
        self._lock = threading.Lock()
        self._by_topic: dict[str, tuple[Entity, ...]] = {}
        self._subscribed: set[str] = set()
        self._ignored = Hushed(_LOGGER)

    def follow(self, home: Home) -> int:
        """Track this home's entities; returns how many report state."""
        by_topic: dict[str, list[Entity]] = {}
        for entity in home.entities:
            for topic in entity.mqtt.state_topics() if entity.mqtt else ():
                by_topic.setdefault(topic, []).append(entity)
        with self._lock:
            self._by_topic = {topic: tuple(found) for topic, found in by_topic.items()}
            new = [topic for topic in by_topic if topic not in self._subscribed]
            self._subscribed.update(new)
        for topic in new:
            self.link.subscribe(topic, self._handle)
        return len({e.id for found in by_topic.values() for e in found})

    def _handle(self, topic: str, payload: bytes) -> None:
        with self._lock:
            entities = self._by_topic.get(topic, ())
        for entity in entities:
            try:
                state = interpret(entity, topic, payload, self.states.get(entity.id))
            except (ValueError, UnicodeDecodeError) as err:
                self._ignored.warning("Ignored state of %s on %s: %s", entity.id, topic, err)
                continue
            except RecursionError:  # JSON nested deeper than the parser goes: malformed, one line
                self._ignored.warning("Ignored state of %s on %s: JSON nested too deep", entity.id, topic)
                continue
            if state is not None:
                self.states.set(entity.id, state)


def follow_states(link: MqttLink, home: Home, states: StateStore) -> StateFollower:
    """Start following every entity's state topics."""
    follower = StateFollower(link, states)
    follower.follow(home)
    return follower

