"""MQTT messages per domain in Home Assistant's conventions (pure, no broker)."""

from __future__ import annotations

import json

import pytest

from devices.commands import CommandError, build_messages
from devices.entity_config import MqttEntityConfig
from devices.registry import Entity

pytestmark = pytest.mark.fast


def _entity(entity_id: str, **mqtt: object) -> Entity:
    return Entity(entity_id, entity_id.split(".")[1].title(), mqtt=MqttEntityConfig.model_validate(mqtt))


def _one(entity: Entity, intent: str, **data: object) -> tuple[str, str]:
    messages = build_messages(entity, intent, dict(data))
    assert len(messages) == 1
    return messages[0].topic, messages[0].payload


def test_default_schema_on_off_with_custom_payloads() -> None:
    switch = _entity("switch.kettle", command_topic="k/set", payload_on="1", payload_off="0")
    assert _one(switch, "HassTurnOn") == ("k/set", "1")
    assert _one(switch, "HassTurnOff") == ("k/set", "0")
    fan = _entity("fan.ceiling", command_topic="f/set")
    assert _one(fan, "HassTurnOn") == ("f/set", "ON")


def test_json_light_brightness_is_scaled_and_colour_is_rgb() -> None:
    light = _entity("light.lamp", schema="json", command_topic="l/set", brightness_scale=255)
    topic, payload = _one(light, "HassLightSet", brightness=50)
    assert topic == "l/set" and json.loads(payload) == {"state": "ON", "brightness": 128}
    _, payload = _one(light, "HassLightSet", color="orange")
    assert json.loads(payload) == {"state": "ON", "color": {"r": 255, "g": 165, "b": 0}}
    _, payload = _one(light, "HassTurnOff")
    assert json.loads(payload) == {"state": "OFF"}


def test_default_light_uses_brightness_and_rgb_topics() -> None:
    light = _entity("light.lamp", command_topic="l/set", brightness_command_topic="l/b", brightness_scale=100,
                    rgb_command_topic="l/rgb")
    assert _one(light, "HassLightSet", brightness=30) == ("l/b", "30")
    assert _one(light, "HassLightSet", color="blue") == ("l/rgb", "0,0,255")


def test_cover_lock_valve_climate_vacuum_media() -> None:
    cover = _entity("cover.blind", command_topic="c/set", set_position_topic="c/pos", position_open=255, position_closed=0)
    assert _one(cover, "HassTurnOn") == ("c/set", "OPEN")
    assert _one(cover, "HassTurnOff") == ("c/set", "CLOSE")
    assert _one(cover, "HassSetPosition", position=40) == ("c/pos", "102")
    lock = _entity("lock.door", command_topic="d/set")
    assert _one(lock, "HassTurnOn") == ("d/set", "LOCK")
    assert _one(lock, "HassTurnOff") == ("d/set", "UNLOCK")
    valve = _entity("valve.main", command_topic="v/set")
    assert _one(valve, "HassTurnOff") == ("v/set", "CLOSE")
    assert _one(valve, "HassSetPosition", position=25) == ("v/set", "25")
    climate = _entity("climate.t", temperature_command_topic="t/temp", mode_command_topic="t/mode")
    assert _one(climate, "HassClimateSetTemperature", temperature=21.5) == ("t/temp", "21.5")
    assert _one(climate, "HassTurnOff") == ("t/mode", "off")
    vacuum = _entity("vacuum.rover", command_topic="r/cmd")
    assert _one(vacuum, "HassVacuumStart") == ("r/cmd", "start")
    assert _one(vacuum, "HassVacuumReturnToBase") == ("r/cmd", "return_to_base")
    tv = _entity("media_player.tv", command_topic="tv/cmd", volume_command_topic="tv/vol")
    assert _one(tv, "HassMediaPause") == ("tv/cmd", "PAUSE")
    assert _one(tv, "HassSetVolume", volume_level=30) == ("tv/vol", "30")
    scene = _entity("scene.party", command_topic="s/set")
    assert _one(scene, "HassTurnOn") == ("s/set", "ON")


@pytest.mark.parametrize(
    ("entity", "intent", "message"),
    [
        (Entity("light.x", "Lamp"), "HassTurnOn", "Lamp is not connected to MQTT"),
        (_entity("cover.blind", command_topic="c/set"), "HassSetPosition", "has no MQTT topic for position"),
        (_entity("scene.party", command_topic="s/set"), "HassTurnOff", "can only be turned on"),
        (_entity("switch.kettle", command_topic="k/set"), "HassSetVolume", "cannot do that"),
    ],
)
def test_impossible_commands_explain_why(entity: Entity, intent: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        build_messages(entity, intent, {"position": 10, "volume_level": 10})
