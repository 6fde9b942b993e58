"""How a device is described in ``config.yaml``, in Home Assistant's MQTT terms.

Field names follow Home Assistant's MQTT integration so a user can copy them
from an existing ``mqtt:`` block or a discovery payload. Defaults that depend
on the domain (``LOCK`` for locks, ``OPEN`` for covers...) are applied when a
command is built, in :mod:`devices.commands`.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


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

DOMAINS = (
    "light", "switch", "fan", "cover", "lock", "climate", "valve", "scene",
    "script", "vacuum", "media_player", "sensor", "binary_sensor", "person",
    "weather", "todo", "input_boolean", "button", "assist_satellite",
)
"""Entity domains Hearth knows; only some of them take commands."""


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

    def state_topics(self) -> tuple[str, ...]:
        """Every topic this entity reports on."""
        topics = (self.state_topic, self.brightness_state_topic, self.position_topic,
                  self.current_temperature_topic, self.mode_state_topic)
        return tuple(dict.fromkeys(t for t in topics if t))

    def command_topics(self) -> tuple[str, ...]:
        """Every topic Hearth publishes to for this entity (what an entity owns on the broker)."""
        topics = (self.command_topic, self.brightness_command_topic, self.rgb_command_topic,
                  self.set_position_topic, self.temperature_command_topic, self.mode_command_topic,
                  self.volume_command_topic)
        return tuple(dict.fromkeys(t for t in topics if t))


class DeviceConfig(BaseModel):
    """One entity of the home as written in ``config.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+\.\w+$")
    """Entity id, ``<domain>.<object_id>`` as in Home Assistant."""
    name: str = Field(min_length=1)
    """Spoken name."""
    aliases: list[str] = []
    """Other names for it."""
    area: Optional[str] = None
    """Id (or name) of its area."""
    device_class: Optional[str] = None
    """Home Assistant device class (``curtain``, ``garage_door``, ``door``...)."""
    state: Optional[str] = None
    """Initial state until the device reports one."""
    mqtt: Optional[MqttEntityConfig] = None
    """MQTT topics; without them the entity can be asked about but not controlled."""
    confirm: Optional[bool] = None
    """Ask "are you sure?" before acting; null = only for unlocking and opening entries and valves."""
