"""How a device is described in ``config.yaml``, in Home Assistant's MQTT terms.

Field names follow Home Assistant's MQTT integration so a user can copy them
from an existing ``mqtt:`` block or a discovery payload. Defaults that depend
on the domain (``LOCK`` for locks, ``OPEN`` for covers...) are applied when a
command is built, in :mod:`devices.commands`. Home Assistant's keys are listed per
platform (:data:`HA_PLATFORM_KEYS`): those Hearth has no use for are accepted and
ignored with one warning per entity, and keys that are neither Hearth's nor Home
Assistant's are refused together, in one error naming the entity.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

_LOGGER = logging.getLogger(__name__)


class AreaConfig(BaseModel):
    """An area (room) of the home."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """Stable identifier."""
    name: str
    """Spoken name."""
    aliases: list[str] = []
    """Other names for it."""
    floor: Optional[str] = None
    """Id of the floor it is on."""


class FloorConfig(BaseModel):
    """A floor of the home."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """Stable identifier."""
    name: str
    """Spoken name."""
    aliases: list[str] = []
    """Other names for it."""


def _keys(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Keys every Home Assistant MQTT entity takes (availability, device, naming, QoS).
HA_COMMON_KEYS = _keys("""
    availability availability_mode availability_template availability_topic payload_available
    payload_not_available device default_entity_id enabled_by_default encoding entity_category
    entity_picture icon json_attributes_template json_attributes_topic name object_id platform qos
    unique_id""")

#: Home Assistant's MQTT YAML keys per platform (``light`` by schema), beyond :data:`HA_COMMON_KEYS`.
HA_PLATFORM_KEYS: dict[str, frozenset[str]] = {
    "light": _keys("""
        schema brightness_command_template brightness_command_topic brightness_scale brightness_state_topic
        brightness_value_template color_mode_state_topic color_mode_value_template color_temp_command_template
        color_temp_command_topic color_temp_kelvin color_temp_state_topic color_temp_value_template command_topic
        effect_command_template effect_command_topic effect_list effect_state_topic effect_value_template
        hs_command_template hs_command_topic hs_state_topic hs_value_template max_kelvin max_mireds min_kelvin
        min_mireds on_command_type optimistic payload_off payload_on retain rgb_command_template
        rgb_command_topic rgb_state_topic rgb_value_template rgbw_command_template rgbw_command_topic
        rgbw_state_topic rgbw_value_template rgbww_command_template rgbww_command_topic rgbww_state_topic
        rgbww_value_template state_topic state_value_template white_command_topic white_scale
        xy_command_template xy_command_topic xy_state_topic xy_value_template"""),
    "light_json": _keys("""
        schema brightness brightness_scale color_mode color_temp color_temp_kelvin command_topic effect
        effect_list flash flash_time_long flash_time_short hs max_kelvin max_mireds min_kelvin min_mireds
        optimistic retain rgb state_topic supported_color_modes transition white_scale xy"""),
    "switch": _keys("""
        command_template command_topic device_class optimistic payload_off payload_on retain state_off
        state_on state_topic value_template"""),
    "fan": _keys("""
        command_template command_topic direction_command_template direction_command_topic
        direction_state_topic direction_value_template optimistic oscillation_command_template
        oscillation_command_topic oscillation_state_topic oscillation_value_template payload_off payload_on
        payload_oscillation_off payload_oscillation_on payload_reset_percentage payload_reset_preset_mode
        percentage_command_template percentage_command_topic percentage_state_topic percentage_value_template
        preset_mode_command_template preset_mode_command_topic preset_mode_state_topic
        preset_mode_value_template preset_modes retain speed_range_max speed_range_min state_topic
        state_value_template"""),
    "cover": _keys("""
        command_topic device_class optimistic payload_close payload_open payload_stop payload_stop_tilt
        position_closed position_open position_template position_topic retain set_position_template
        set_position_topic state_closed state_closing state_open state_opening state_stopped state_topic
        tilt_closed_value tilt_command_template tilt_command_topic tilt_max tilt_min tilt_opened_value
        tilt_optimistic tilt_status_template tilt_status_topic value_template"""),
    "lock": _keys("""
        code_format command_template command_topic optimistic payload_lock payload_open payload_reset
        payload_unlock retain state_jammed state_locked state_locking state_open state_opening state_topic
        state_unlocked state_unlocking value_template"""),
    "climate": _keys("""
        action_template action_topic current_humidity_template current_humidity_topic
        current_temperature_template current_temperature_topic fan_mode_command_template
        fan_mode_command_topic fan_mode_state_template fan_mode_state_topic fan_modes initial max_humidity
        max_temp min_humidity min_temp mode_command_template mode_command_topic mode_state_template
        mode_state_topic modes optimistic payload_off payload_on power_command_template power_command_topic
        precision preset_mode_command_template preset_mode_command_topic preset_mode_state_topic
        preset_mode_value_template preset_modes retain swing_horizontal_mode_command_template
        swing_horizontal_mode_command_topic swing_horizontal_mode_state_template
        swing_horizontal_mode_state_topic swing_horizontal_modes swing_mode_command_template
        swing_mode_command_topic swing_mode_state_template swing_mode_state_topic swing_modes
        target_humidity_command_template target_humidity_command_topic target_humidity_state_template
        target_humidity_state_topic temp_step temperature_command_template temperature_command_topic
        temperature_high_command_template temperature_high_command_topic temperature_high_state_template
        temperature_high_state_topic temperature_low_command_template temperature_low_command_topic
        temperature_low_state_template temperature_low_state_topic temperature_state_template
        temperature_state_topic temperature_unit value_template"""),
    "valve": _keys("""
        command_template command_topic device_class optimistic payload_close payload_open payload_stop
        position_closed position_open reports_position retain state_closed state_closing state_open
        state_opening state_topic value_template"""),
    "vacuum": _keys("""
        schema command_topic fan_speed_list payload_clean_spot payload_locate payload_pause
        payload_return_to_base payload_start payload_stop retain send_command_topic set_fan_speed_topic
        state_topic supported_features"""),
    "scene": _keys("command_topic optimistic payload_on retain"),
    "button": _keys("command_template command_topic device_class payload_press retain"),
    "sensor": _keys("""
        device_class expire_after force_update last_reset_value_template options state_class state_topic
        suggested_display_precision unit_of_measurement value_template"""),
    "binary_sensor": _keys("""
        device_class expire_after force_update off_delay payload_off payload_on state_topic value_template"""),
}

#: Hearth's keys that have a meaning on one Home Assistant platform only (found in that platform's table);
#: every other key of :class:`MqttEntityConfig` is taken on any domain.
PLATFORM_ONLY_KEYS = _keys("brightness min_temp max_temp temp_step modes temperature_state_topic "
                           "temperature_state_template")


class MqttEntityConfig(BaseModel):
    """MQTT topics and payloads of one entity (Home Assistant's key names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: Literal["default", "json"] = Field("default", alias="schema")
    """``json`` for JSON-schema lights (one JSON payload per command)."""
    command_topic: Optional[str] = None
    """Where on/off, open/close, lock/unlock, start... commands go."""
    state_topic: Optional[str] = None
    """Where the device reports its state."""
    payload_on: Optional[str] = None
    """Payload for on (default ``ON``)."""
    payload_off: Optional[str] = None
    """Payload for off (default ``OFF``)."""
    payload_open: Optional[str] = None
    """Cover/valve open payload (default ``OPEN``)."""
    payload_close: Optional[str] = None
    """Cover/valve close payload (default ``CLOSE``)."""
    payload_lock: Optional[str] = None
    """Lock payload (default ``LOCK``)."""
    payload_unlock: Optional[str] = None
    """Unlock payload (default ``UNLOCK``)."""
    brightness_command_topic: Optional[str] = None
    """Default-schema lights: where brightness goes."""
    brightness_scale: int = Field(255, ge=1, le=65535)
    """Brightness value that means 100%."""
    rgb_command_topic: Optional[str] = None
    """Default-schema lights: where ``r,g,b`` colour goes."""
    set_position_topic: Optional[str] = None
    """Covers: where a position goes."""
    position_open: int = 100
    """Position value meaning fully open."""
    position_closed: int = 0
    """Position value meaning fully closed."""
    temperature_command_topic: Optional[str] = None
    """Climate: where the target temperature goes."""
    mode_command_topic: Optional[str] = None
    """Climate: where the HVAC mode goes (turn on/off sends ``heat``/``off``)."""
    volume_command_topic: Optional[str] = None
    """Media players: where the volume (percent) goes."""
    payload_press: Optional[str] = None
    """Buttons: payload that presses it (default ``PRESS``)."""
    payload_start: Optional[str] = None
    """Vacuums: start payload (default ``start``)."""
    payload_return_to_base: Optional[str] = None
    """Vacuums: return-to-base payload (default ``return_to_base``)."""
    supported_color_modes: tuple[str, ...] = ()
    """JSON lights: colour modes; ``xy`` or ``hs`` lights get colours in that form, others ``r,g,b``."""
    command_template: Optional[str] = None
    """Jinja2 template for the command payload (``value`` is the payload)."""
    brightness_command_template: Optional[str] = None
    """Template for the brightness payload (``value`` is the scaled brightness)."""
    rgb_command_template: Optional[str] = None
    """Template for the colour payload (``red``, ``green``, ``blue``)."""
    set_position_template: Optional[str] = None
    """Template for the position payload (``position``)."""
    temperature_command_template: Optional[str] = None
    """Template for the target temperature payload (``value``)."""
    mode_command_template: Optional[str] = None
    """Template for the HVAC mode payload (``value``)."""
    value_template: Optional[str] = None
    """Template extracting the state from the state topic (``value``, ``value_json``)."""
    state_value_template: Optional[str] = None
    """Default-schema lights: template extracting on/off from the state topic."""
    state_on: Optional[str] = None
    """State payload meaning on (default: ``payload_on``)."""
    state_off: Optional[str] = None
    """State payload meaning off (default: ``payload_off``)."""
    state_open: Optional[str] = None
    """Cover/valve state payload meaning open (default ``open``)."""
    state_closed: Optional[str] = None
    """Cover/valve state payload meaning closed (default ``closed``)."""
    state_locked: Optional[str] = None
    """Lock state payload meaning locked (default ``LOCKED``)."""
    state_unlocked: Optional[str] = None
    """Lock state payload meaning unlocked (default ``UNLOCKED``)."""
    brightness_state_topic: Optional[str] = None
    """Default-schema lights: where brightness is reported."""
    brightness_value_template: Optional[str] = None
    """Template extracting brightness from its state topic."""
    position_topic: Optional[str] = None
    """Covers: where the position is reported."""
    position_template: Optional[str] = None
    """Template extracting the position."""
    current_temperature_topic: Optional[str] = None
    """Climate: where the measured temperature is reported."""
    current_temperature_template: Optional[str] = None
    """Template extracting the measured temperature."""
    mode_state_topic: Optional[str] = None
    """Climate: where the HVAC mode is reported (the entity's state)."""
    mode_state_template: Optional[str] = None
    """Template extracting the HVAC mode."""
    brightness: Optional[bool] = None
    """JSON lights: whether it dims; ``false`` (with no dimmable colour mode) refuses brightness commands."""
    min_temp: Optional[float] = None
    """Climate: lowest target temperature; lower ones are refused, as Home Assistant does."""
    max_temp: Optional[float] = None
    """Climate: highest target temperature; higher ones are refused, as Home Assistant does."""
    temp_step: Optional[float] = Field(None, gt=0)
    """Climate: target temperatures are rounded to a multiple of this step."""
    modes: tuple[str, ...] = ()
    """Climate: its HVAC modes; turning on picks one the way Home Assistant does (``heat`` when empty)."""
    temperature_state_topic: Optional[str] = None
    """Climate: where the device reports its target temperature."""
    temperature_state_template: Optional[str] = None
    """Template extracting the target temperature."""

    @model_validator(mode="after")
    def _temperature_range(self) -> MqttEntityConfig:
        if self.min_temp is not None and self.max_temp is not None and self.min_temp > self.max_temp:
            raise ValueError(f"min_temp {self.min_temp} is above max_temp {self.max_temp}")
        return self

    def state_topics(self) -> tuple[str, ...]:
        """Every topic this entity reports on."""
        topics = (self.state_topic, self.brightness_state_topic, self.position_topic,
                  self.current_temperature_topic, self.mode_state_topic, self.temperature_state_topic)
        return tuple(dict.fromkeys(t for t in topics if t))

    def command_topics(self) -> tuple[str, ...]:
        """Every topic Hearth publishes to for this entity (what an entity owns on the broker)."""
        topics = (self.command_topic, self.brightness_command_topic, self.rgb_command_topic,
                  self.set_position_topic, self.temperature_command_topic, self.mode_command_topic,
                  self.volume_command_topic)
        return tuple(dict.fromkeys(t for t in topics if t))


#: Hearth's own keys that any domain takes (the ``schema`` alias included).
HEARTH_KEYS = frozenset(f.alias or n for n, f in MqttEntityConfig.model_fields.items()) - PLATFORM_ONLY_KEYS

#: Device classes written the old way, by domain: Home Assistant's spelling (still read, with a warning).
RENAMED_DEVICE_CLASSES = {"cover": {"garage_door": "garage"}}


def ha_platform(domain: str, mqtt: dict[str, Any]) -> str:
    """Which of :data:`HA_PLATFORM_KEYS` an entity's MQTT keys are read against."""
    return "light_json" if domain == "light" and mqtt.get("schema") == "json" else domain


def sort_mqtt_keys(domain: str, mqtt: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Of an entity's MQTT keys: Home Assistant's that Hearth does not use (ignored), and those neither
    Hearth's nor Home Assistant's for the platform (refused). Each list sorted."""
    ha_keys = HA_COMMON_KEYS | HA_PLATFORM_KEYS.get(ha_platform(domain, mqtt), frozenset())
    used = HEARTH_KEYS | (ha_keys & PLATFORM_ONLY_KEYS)
    ignored = sorted(k for k in mqtt if k not in used and k in ha_keys)
    refused = sorted(str(k) for k in mqtt if k not in used and k not in ha_keys)
    return ignored, refused


def _quoted(keys: list[str]) -> str:
    return ", ".join(f"'{k}'" for k in keys)


class DeviceConfig(BaseModel):
    """One entity of the home as written in ``config.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _home_assistant_keys(cls, data: Any) -> Any:
        """Home Assistant's keys Hearth does not use are dropped with one warning per entity (its
        ``device_class`` is taken from under ``mqtt`` as Home Assistant writes it); unknown keys are refused
        all at once, in one error naming the entity."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or "." not in data["id"]:
            return data
        entity_id, data = data["id"], dict(data)
        domain = entity_id.split(".", 1)[0]
        top = sorted(str(k) for k in data if k not in cls.model_fields)
        mqtt = data.get("mqtt")
        ignored: list[str] = []
        refused: list[str] = []
        if isinstance(mqtt, dict):
            mqtt = dict(mqtt)
            if mqtt.get("schema") == "basic":  # Home Assistant's other name for the default schema
                mqtt["schema"] = "default"
            platform_keys = HA_PLATFORM_KEYS.get(ha_platform(domain, mqtt), frozenset())
            if "device_class" in mqtt and "device_class" in platform_keys and data.get("device_class") is None:
                data["device_class"] = mqtt.pop("device_class")
            ignored, refused = sort_mqtt_keys(domain, mqtt)
            if domain == "vacuum" and mqtt.get("schema") in ("legacy", "state"):  # Home Assistant's vacuum schemas
                ignored.append("schema")
            data["mqtt"] = {k: v for k, v in mqtt.items() if k not in ignored}
        if top or refused:
            parts = [f"unknown keys {_quoted(top)}"] if top else []
            if refused:
                platform = ha_platform(domain, mqtt).replace("light_json", "JSON-schema light")
                parts.append(f"unknown mqtt keys {_quoted(refused)} (neither Hearth's nor Home Assistant's "
                             f"for an MQTT {platform})")
            raise PydanticCustomError("unknown_keys", "{entity}: {problems}",
                                      {"entity": entity_id, "problems": "; ".join(parts)})
        if ignored:
            _LOGGER.warning("%s: Home Assistant MQTT keys Hearth does not use, ignored: %s",
                            entity_id, ", ".join(ignored))
        renamed = RENAMED_DEVICE_CLASSES.get(domain, {}).get(data.get("device_class"))
        if renamed:
            _LOGGER.warning("%s: device class '%s' is read as Home Assistant's '%s'",
                            entity_id, data["device_class"], renamed)
            data["device_class"] = renamed
        return data

    id: str = Field(pattern=r"^[a-z_]+\.\w+$")
    """Entity id, ``<domain>.<object_id>`` as in Home Assistant."""
    name: str = Field(min_length=1)
    """Spoken name."""
    aliases: list[str] = []
    """Other names for it."""
    area: Optional[str] = None
    """Id (or name) of its area."""
    device_class: Optional[str] = None
    """Home Assistant device class (``curtain``, ``garage``, ``door``...); may also sit under ``mqtt``."""
    state: Optional[str] = None
    """Initial state until the device reports one."""
    mqtt: Optional[MqttEntityConfig] = None
    """MQTT topics; without them the entity can be asked about but not controlled."""
    confirm: Optional[bool] = None
    """Ask "are you sure?" before acting; null = only for unlocking and opening entries and valves."""
