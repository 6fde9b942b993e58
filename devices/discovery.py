"""Home Assistant MQTT discovery configs → registry entities.

A pure function of one retained message: ``parse_discovery(topic, payload)``
understands ``<prefix>/<component>/[<node_id>/]<object_id>/config`` in both
forms (one entity per message, or a whole device with its ``cmps``), with
abbreviated keys and the ``~`` base topic, as zigbee2mqtt, Tasmota and ESPHome
publish them. An empty payload removes what that topic announced.

Anyone on the broker can publish a config, so a config is bounded before it
is read (its size, its nesting, the length of names) and a malformed one is a
:class:`DiscoveryError`, one line, never a traceback. Which entity may own a
command topic is the registry's question (:mod:`devices.discovery_listener`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Optional

from pydantic import ValidationError

from devices.entity_config import MqttEntityConfig
from devices.home_assistant import MQTT_COMPONENTS
from devices.registry import Entity
from devices.value_template import JsonTooDeep, TemplateError, check, load_json

#: Home Assistant's abbreviations for the discovery keys Hearth reads.
ABBREVIATIONS = {
    "cmd_t": "command_topic", "cmd_tpl": "command_template", "stat_t": "state_topic",
    "val_tpl": "value_template", "stat_val_tpl": "state_value_template",
    "pl_on": "payload_on", "pl_off": "payload_off", "pl_open": "payload_open", "pl_cls": "payload_close",
    "pl_lock": "payload_lock", "pl_unlk": "payload_unlock", "pl_prs": "payload_press",
    "pl_strt": "payload_start", "pl_ret": "payload_return_to_base",
    "stat_on": "state_on", "stat_off": "state_off", "stat_open": "state_open", "stat_clsd": "state_closed",
    "stat_locked": "state_locked", "stat_unlocked": "state_unlocked",
    "bri_cmd_t": "brightness_command_topic", "bri_cmd_tpl": "brightness_command_template",
    "bri_scl": "brightness_scale", "bri_stat_t": "brightness_state_topic",
    "bri_val_tpl": "brightness_value_template", "rgb_cmd_t": "rgb_command_topic",
    "rgb_cmd_tpl": "rgb_command_template", "sup_clrm": "supported_color_modes",
    "set_pos_t": "set_position_topic", "set_pos_tpl": "set_position_template", "pos_t": "position_topic",
    "pos_tpl": "position_template", "pos_open": "position_open", "pos_clsd": "position_closed",
    "temp_cmd_t": "temperature_command_topic", "temp_cmd_tpl": "temperature_command_template",
    "curr_temp_t": "current_temperature_topic", "curr_temp_tpl": "current_temperature_template",
    "mode_cmd_t": "mode_command_topic", "mode_cmd_tpl": "mode_command_template",
    "mode_stat_t": "mode_state_topic", "mode_stat_tpl": "mode_state_template",
    "dev": "device", "dev_cla": "device_class", "uniq_id": "unique_id", "obj_id": "object_id",
    "def_ent_id": "default_entity_id", "unit_of_meas": "unit_of_measurement", "o": "origin",
    "p": "platform", "avty_t": "availability_topic", "pl_avail": "payload_available",
    "pl_not_avail": "payload_not_available",
}
DEVICE_ABBREVIATIONS = {"ids": "identifiers", "mf": "manufacturer", "mdl": "model", "sa": "suggested_area",
                        "sw": "sw_version", "cns": "connections"}

#: Largest config payload read (Home Assistant's own configs are a few KiB; a whole device well under this).
MAX_PAYLOAD = 64 * 1024
#: Longest name or area accepted (Home Assistant's limit for a state).
MAX_NAME = 255
#: The ``origin`` name Hearth announces itself with (:mod:`app.broker.ha_device`): not a device to import.
HEARTH_ORIGIN = "Hearth"

_TOPIC = re.compile(r"^(?P<component>[a-z_]+)/(?:(?P<node>[A-Za-z0-9_-]+)/)?(?P<object>[A-Za-z0-9_-]+)/config$")
_MQTT_FIELDS = {name for name in MqttEntityConfig.model_fields} | {"schema"}


class DiscoveryError(Exception):
    """A discovery config Hearth cannot use; one line, logged and ignored."""


@dataclass(frozen=True)
class DiscoveredEntity:
    """One entity announced over discovery."""

    key: str
    """Stable identity: the config topic (plus the component id for device discovery)."""
    entity: Entity
    """The registry entity (its area still unresolved, see ``suggested_area``)."""
    suggested_area: Optional[str] = None
    """The device's ``suggested_area``: an area name."""
    short_name: Optional[str] = None
    """The entity's own name when the device's name in front of it looks like an identifier
    ("Fish Tank" of "tasmota_A1B2C3 Fish Tank"): an alias where no other entity uses it."""
    device: Optional[str] = None
    """The device's identifiers (or the config topic of a device config): entities of one device
    may share a command topic (zigbee2mqtt sends every entity's commands to ``<device>/set``)."""


@dataclass(frozen=True)
class Discovery:
    """What one config message announces: it replaces everything previously under ``scope``."""

    scope: str
    """The config topic; entities whose key starts with it are replaced."""
    entities: tuple[DiscoveredEntity, ...] = ()
    """The entities now announced there (none: removed)."""
    skipped: tuple[str, ...] = ()
    """Why some components were not imported (unsupported kinds), for the log."""
    origin: Optional[str] = None
    """The ``origin`` name: the software that published it (``HEARTH_ORIGIN`` for a Hearth)."""

    @property
    def from_hearth(self) -> bool:
        """Announced by a Hearth (this one or another): its entities are Hearth's own, not devices."""
        return (self.origin or "").strip().casefold() == HEARTH_ORIGIN.casefold()


def expand(config: dict[str, Any]) -> dict[str, Any]:
    """Full key names, and the ``~`` base topic substituted into every topic."""
    full = {ABBREVIATIONS.get(k, k): v for k, v in config.items()}
    device = full.get("device")
    if isinstance(device, dict):
        full["device"] = {DEVICE_ABBREVIATIONS.get(k, k): v for k, v in device.items()}
    base = full.pop("~", None)
    if isinstance(base, str):
        for key, value in full.items():
            if (key.endswith("_topic") or key == "topic") and isinstance(value, str):
                if value.startswith("~"):
                    full[key] = base + value[1:]
                elif value.endswith("~"):
                    full[key] = value[:-1] + base
    return full


def slug(text: str) -> str:
    """An object id from any text: lower case, ``[a-z0-9_]``."""
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.casefold())).strip("_") or "unnamed"


def _spoken_name(config: dict[str, Any], device: dict[str, Any], fallback: str) -> tuple[str, Optional[str]]:
    """Home Assistant's rule: entity name after the device name; a null name means the device itself.
    Returns (name, the entity's own name when the device's was put in front)."""
    device_name = device.get("name") if isinstance(device.get("name"), str) else None
    name = config.get("name")
    if isinstance(name, str) and name.strip():
        if device_name and not name.casefold().startswith(device_name.casefold()):
            # A device named like an identifier (tasmota_A1B2C3, office) is not how people talk.
            looks_like_id = bool(re.search(r"[_\d]", device_name)) or device_name == device_name.lower()
            return f"{device_name} {name}".strip(), name.strip() if looks_like_id else None
        return name.strip(), None
    return (device_name or fallback.replace("_", " ")).strip(), None


def _check_topics(values: dict[str, Any], prefix: str) -> None:
    for key, value in values.items():
        if not key.endswith("_topic") or value is None:
            continue
        if not isinstance(value, str) or not value or len(value) > 512:
            raise DiscoveryError(f"{key} must be a topic")
        if "+" in value or "#" in value or value.startswith("$"):
            raise DiscoveryError(f"{key} '{value}' is not a plain topic (wildcards and $-topics are refused)")
        if key not in ("state_topic", "brightness_state_topic", "position_topic", "current_temperature_topic",
                       "mode_state_topic") and value.startswith(f"{prefix}/"):
            raise DiscoveryError(f"{key} '{value}' is under the discovery prefix")


def _mqtt_settings(component: str, config: dict[str, Any], prefix: str) -> MqttEntityConfig:
    values: dict[str, Any] = {}
    for key, value in config.items():
        if key not in _MQTT_FIELDS or value is None:
            continue
        if key.startswith(("payload_", "state_")) and key != "state_topic" and isinstance(value, (bool, int, float)):
            value = str(value)  # Tasmota and others send some payloads as numbers
        values[key] = tuple(value) if key == "supported_color_modes" and isinstance(value, list) else value
    schema = values.get("schema", "default")
    if component == "light" and schema not in ("default", "basic", "json"):
        raise DiscoveryError(f"light schema '{schema}' is not supported")
    values["schema"] = "json" if schema == "json" else "default"
    _check_topics(values, prefix)
    for key, value in values.items():
        if key.endswith("_template"):
            try:
                check(str(value))
            except TemplateError as err:
                raise DiscoveryError(f"{key}: {err}") from None
    try:
        return MqttEntityConfig.model_validate(values)
    except ValidationError as err:
        first = err.errors()[0]
        raise DiscoveryError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _object_id(config: dict[str, Any], fallback: str) -> str:
    default = config.get("default_entity_id")
    if isinstance(default, str) and "." in default:
        return slug(default.split(".", 1)[1])
    for key in ("object_id", "unique_id"):
        if isinstance(config.get(key), (str, int)) and str(config[key]).strip():
            return slug(str(config[key]))
    return slug(fallback)


def build_entity(key: str, component: str, config: dict[str, Any], fallback_id: str, prefix: str) -> DiscoveredEntity:
    """One discovered entity from an expanded config."""
    if component not in MQTT_COMPONENTS:
        raise DiscoveryError(f"component '{component}' is not supported")
    device = config.get("device") if isinstance(config.get("device"), dict) else {}
    mqtt = _mqtt_settings(component, config, prefix)
    commands = (mqtt.temperature_command_topic, mqtt.mode_command_topic) if component == "climate" else (mqtt.command_topic,)
    if component not in ("sensor", "binary_sensor") and not any(commands):
        raise DiscoveryError("no command topic")
    device_class = config.get("device_class") if isinstance(config.get("device_class"), str) else None
    attributes: dict[str, Any] = {"device_class": device_class} if device_class else {}
    if isinstance(config.get("unit_of_measurement"), str):
        attributes["unit_of_measurement"] = config["unit_of_measurement"]
    if isinstance(config.get("unique_id"), (str, int)) and str(config["unique_id"]).strip():
        # How Home Assistant's registry knows this entity (the API link matches on it).
        attributes["unique_id"] = str(config["unique_id"])[:MAX_NAME]
    name, short_name = _spoken_name(config, device, fallback_id)
    area = device.get("suggested_area")
    for what, text in (("name", name), ("suggested_area", area)):
        if isinstance(text, str) and len(text) > MAX_NAME:
            raise DiscoveryError(f"{what} longer than {MAX_NAME} characters ({len(text)})")
    entity = Entity(
        id=f"{component}.{_object_id(config, fallback_id)}",
        name=name[:100],
        device_class=device_class,
        attributes=attributes,
        mqtt=mqtt,
    )
    return DiscoveredEntity(key, entity, area.strip() if isinstance(area, str) and area.strip() else None,
                            short_name[:100] if short_name else None, _device_key(device, key))


def _device_key(device: dict[str, Any], key: str) -> str:
    ids = device.get("identifiers")
    ids = [ids] if isinstance(ids, (str, int)) else ids
    if isinstance(ids, list) and ids and all(isinstance(i, (str, int)) for i in ids):
        return "ids:" + "|".join(sorted(str(i) for i in ids))
    return "config:" + key.split("#", 1)[0]  # no identifiers: the entities of one config message


def parse_discovery(topic: str, payload: bytes, prefix: str = "homeassistant") -> Discovery:
    """What a message on the discovery prefix announces; DiscoveryError when it is unusable."""
    if not topic.startswith(f"{prefix}/"):
        raise DiscoveryError(f"{topic}: not under the discovery prefix '{prefix}'")
    match = _TOPIC.match(topic[len(prefix) + 1:])
    if not match:
        raise DiscoveryError(f"{topic}: not a discovery config topic")
    if len(payload) > MAX_PAYLOAD:  # before decoding or parsing anything
        raise DiscoveryError(f"{topic}: payload of {len(payload)} bytes (at most {MAX_PAYLOAD})")
    if not payload.strip():
        return Discovery(topic)
    try:
        config = load_json(payload.decode("utf-8"))
    except JsonTooDeep as err:
        raise DiscoveryError(f"{topic}: {err}") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise DiscoveryError(f"{topic}: not JSON ({str(err)[:100]})") from None
    if not isinstance(config, dict):
        raise DiscoveryError(f"{topic}: expected a JSON object")
    component, object_id = match["component"], match["object"]
    fallback = f"{match['node']}_{object_id}" if match["node"] else object_id
    origin = _origin(config)
    if component == "device":
        return replace(_device_discovery(topic, config, fallback, prefix), origin=origin)
    try:
        return Discovery(topic, (build_entity(topic, component, expand(config), fallback, prefix),), origin=origin)
    except DiscoveryError as err:
        raise DiscoveryError(f"{topic}: {err}") from None


def _origin(config: dict[str, Any]) -> Optional[str]:
    origin = config.get("o", config.get("origin"))
    name = origin.get("name") if isinstance(origin, dict) else None
    return name[:MAX_NAME] if isinstance(name, str) else None


def _device_discovery(topic: str, root: dict[str, Any], fallback: str, prefix: str) -> Discovery:
    """A device config: shared options at the root, one entry per component under ``cmps``."""
    shared = dict(root)
    components = shared.pop("cmps", shared.pop("components", None))
    if not isinstance(components, dict) or not components:
        raise DiscoveryError(f"{topic}: device discovery without 'cmps'")
    entities, skipped = [], []
    for cmp_id, raw in components.items():
        if not isinstance(raw, dict):
            skipped.append(f"{cmp_id}: not an object")
            continue
        config = expand({**shared, **raw})  # the root's options (and ``~``) apply to every component
        component = config.pop("platform", None)
        try:
            entities.append(build_entity(f"{topic}#{cmp_id}", str(component), config, f"{fallback}_{cmp_id}", prefix))
        except DiscoveryError as err:
            skipped.append(f"{cmp_id}: {err}")
    return Discovery(topic, tuple(entities), tuple(skipped))
