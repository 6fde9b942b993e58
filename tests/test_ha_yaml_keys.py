"""config.yaml takes Home Assistant's MQTT YAML keys (#29): used where Hearth has a use for them, else
ignored with one warning per entity; keys neither Hearth's nor Home Assistant's are all named at once."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml

from app.config import ConfigError, load_settings, parse_settings
from devices.commands import CommandError, build_messages
from devices.entity_config import HA_PLATFORM_KEYS, HEARTH_KEYS, PLATFORM_ONLY_KEYS
from devices.registry import Entity, build_home
from tests.conftest import ROOT

pytestmark = pytest.mark.fast

CLIMATE = """
devices:
  - id: climate.hallway
    name: Hallway Thermostat
    mqtt:
      name: Hallway
      unique_id: hallway_thermostat
      modes: [cool, "off"]
      min_temp: 16
      max_temp: 30
      temp_step: 0.5
      precision: 0.5
      temperature_unit: C
      mode_command_topic: hallway/mode/set
      mode_state_topic: hallway/mode
      temperature_command_topic: hallway/temperature/set
      temperature_state_topic: hallway/temperature
      temperature_state_template: "{{ value_json.target }}"
      current_temperature_topic: hallway/current
"""


def _entity(text: str) -> Entity:
    settings = parse_settings(yaml.safe_load(text), "config.yaml")
    return build_home(None, devices=settings.devices).entities[0]


def _payload(entity: Entity, intent: str, **data: object) -> tuple[str, str]:
    (message,) = build_messages(entity, intent, dict(data))
    return message.topic, message.payload


def test_ha_climate_loads_and_bounds_rounds_and_picks_modes(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "devices.entity_config"):
        climate = _entity(CLIMATE)
    mqtt = climate.mqtt
    assert mqtt is not None and (mqtt.min_temp, mqtt.max_temp, mqtt.temp_step) == (16, 30, 0.5)
    assert mqtt.modes == ("cool", "off") and "hallway/temperature" in mqtt.state_topics()
    assert _payload(climate, "HassClimateSetTemperature", temperature=21.3) == ("hallway/temperature/set", "21.5")
    assert _payload(climate, "HassClimateSetTemperature", temperature=30) == ("hallway/temperature/set", "30.0")
    with pytest.raises(CommandError, match="16 to 30, not 35") as err:  # Home Assistant refuses it too
        build_messages(climate, "HassClimateSetTemperature", {"temperature": 35})
    assert err.value.key == "out_of_range"
    with pytest.raises(CommandError):
        build_messages(climate, "HassClimateSetTemperature", {"temperature": 15.9})
    # climate.turn_on with two modes, one of them off: the other one; off is off.
    assert _payload(climate, "HassTurnOn") == ("hallway/mode/set", "cool")
    assert _payload(climate, "HassTurnOff") == ("hallway/mode/set", "off")
    from devices.state import EntityState
    from devices.state_listener import interpret

    target = interpret(climate, mqtt.temperature_state_topic or "", b'{"target": 22.5}', EntityState("heat"))
    assert target is not None and target.attributes["temperature"] == 22.5  # its target, as Home Assistant reads it
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [("climate.hallway: Home Assistant MQTT keys Hearth does not use, ignored: "
                         "name, precision, temperature_unit, unique_id")]


@pytest.mark.parametrize(("modes", "on", "off"), [
    (["auto", "off", "cool", "heat", "dry", "fan_only"], "heat", "off"),
    (["heat_cool", "heat", "off"], "heat_cool", "off"),
    (["heat"], "heat", None),
])
def test_climate_turn_on_follows_home_assistant(modes: list[str], on: str, off: str | None) -> None:
    climate = _entity(yaml.safe_dump({"devices": [{"id": "climate.t", "name": "T", "mqtt": {
        "mode_command_topic": "t/mode", "modes": modes}}]}))
    assert _payload(climate, "HassTurnOn") == ("t/mode", on)
    if off is None:
        with pytest.raises(CommandError):
            build_messages(climate, "HassTurnOff", {})
    else:
        assert _payload(climate, "HassTurnOff") == ("t/mode", off)


def test_whole_step_gives_whole_degrees() -> None:
    climate = _entity("devices: [{id: climate.t, name: T, mqtt: {temperature_command_topic: t/c, temp_step: 1}}]")
    assert _payload(climate, "HassClimateSetTemperature", temperature=21.4) == ("t/c", "21")


def test_cover_with_payload_stop_loads_and_says_what_it_ignores(caplog: pytest.LogCaptureFixture) -> None:
    text = """
devices:
  - id: cover.garage
    name: Garage Door
    mqtt:
      device_class: garage
      command_topic: garage/set
      state_topic: garage/state
      payload_stop: STOP
      state_stopped: stopped
      optimistic: false
      retain: true
"""
    with caplog.at_level(logging.WARNING, "devices.entity_config"):
        cover = _entity(text)
    assert cover.device_class == "garage"  # Home Assistant writes it among the MQTT keys
    assert _payload(cover, "HassTurnOn") == ("garage/set", "OPEN")
    assert [r.getMessage() for r in caplog.records] == [
        ("cover.garage: Home Assistant MQTT keys Hearth does not use, ignored: optimistic, payload_stop, retain, "
         "state_stopped")]


def test_json_light_brightness_flag() -> None:
    text = "devices: [{id: light.desk, name: Desk, mqtt: {schema: json, command_topic: d/set, brightness: %s}}]"
    light = _entity(text % "true")
    assert light.mqtt is not None and light.mqtt.brightness is True
    assert json.loads(_payload(light, "HassLightSet", brightness=50)[1])["brightness"] == 128
    with pytest.raises(CommandError, match="cannot be dimmed"):
        build_messages(_entity(text % "false"), "HassLightSet", {"brightness": 50})


def test_every_refused_key_is_named_at_once_with_the_entity(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("devices:\n  - id: switch.kettle\n    name: Kettle\n    colour: red\n    mqtt:\n"
                    "      command_topic: k/set\n      payload_onn: 'ON'\n      brightness: true\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert "\n" not in message and "switch.kettle" in message
    for key in ("'colour'", "'payload_onn'", "'brightness'"):  # brightness: a JSON light's key, not a switch's
        assert key in message, message


def test_a_platform_key_is_only_taken_on_its_platform() -> None:
    with pytest.raises(ConfigError, match="'modes', 'temp_step'"):
        parse_settings({"devices": [{"id": "light.l", "name": "L", "mqtt": {"modes": ["heat"], "temp_step": 1}}]}, "c")
    with pytest.raises(ConfigError, match="'brightness'"):  # default-schema lights have no brightness flag
        parse_settings({"devices": [{"id": "light.l", "name": "L", "mqtt": {"brightness": True}}]}, "c")
    with pytest.raises(ConfigError, match="min_temp 30.0 is above max_temp 16.0"):
        parse_settings({"devices": [{"id": "climate.c", "name": "C", "mqtt": {"min_temp": 30, "max_temp": 16}}]}, "c")


@pytest.mark.parametrize("platform", sorted(HA_PLATFORM_KEYS))
def test_every_home_assistant_key_of_a_platform_loads(platform: str) -> None:
    domain, schema = (("light", "json") if platform == "light_json" else (platform, "default"))
    unused = sorted(HA_PLATFORM_KEYS[platform] - HEARTH_KEYS - PLATFORM_ONLY_KEYS - {"device_class"})
    mqtt = {"schema": schema, **{key: "x" for key in unused}}
    settings = parse_settings({"devices": [{"id": f"{domain}.thing", "name": "Thing", "mqtt": mqtt}]}, "c")
    assert settings.devices[0].mqtt is not None


def test_garage_is_home_assistants_cover_class(caplog: pytest.LogCaptureFixture) -> None:
    config = (ROOT / "config.yaml").read_text()
    assert "garage_door" not in config and "garage," in config
    with caplog.at_level(logging.WARNING, "devices.entity_config"):
        settings = parse_settings({"devices": [{"id": "cover.g", "name": "G", "device_class": "garage_door"}]}, "c")
    assert settings.devices[0].device_class == "garage"
    assert "'garage_door' is read as Home Assistant's 'garage'" in caplog.text
    # binary sensors do have a garage_door class: left alone
    sensor = parse_settings({"devices": [{"id": "binary_sensor.g", "name": "G", "device_class": "garage_door"}]}, "c")
    assert sensor.devices[0].device_class == "garage_door"
