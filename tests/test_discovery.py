"""Devices from Home Assistant's MQTT discovery, controlled and asked about over a real Mosquitto."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any, Callable, Iterator

import paho.mqtt.client as paho
import pytest

from app.broker.connections import HomeConnection, connect_home, wait_for_discovery
from app.config import HomeAssistantSettings, MqttSettings, Settings
from app.core.assistant import Assistant, load_home
from devices.discovery import DiscoveryError, parse_discovery
from devices.entity_config import DeviceConfig
from devices.mqtt import MqttLink
from tests.conftest import Mosquitto, Subscriber
from tests.discovery_home import commands, retained_configs

_PREFIXES = (f"discotest{n}" for n in itertools.count())


def _publisher(port: int) -> paho.Client:
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"devices-{time.monotonic_ns()}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def _send(client: paho.Client, topic: str, payload: str | bytes, retain: bool = False) -> None:
    client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


@pytest.fixture
def broker_home(mosquitto: Mosquitto) -> Iterator[tuple[str, paho.Client]]:
    """A broker holding every device's retained discovery config under a fresh prefix; removed afterwards."""
    prefix = next(_PREFIXES)
    devices = _publisher(mosquitto.port)
    configs = [(topic.replace("homeassistant/", f"{prefix}/", 1), payload) for topic, payload in retained_configs()]
    for topic, payload in configs:
        _send(devices, topic, payload, retain=True)
    yield prefix, devices
    for topic, _ in configs:
        _send(devices, topic, b"", retain=True)
    devices.loop_stop()
    devices.disconnect()


def _hearth(port: int, prefix: str, devices: list[DeviceConfig] | None = None, announce: bool = False,
            **extra: Any) -> tuple[Assistant, MqttLink, HomeConnection]:
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=port), devices=devices or [],
                        homeassistant=HomeAssistantSettings(discovery_prefix=prefix, announce=announce), **extra)
    link = MqttLink(settings.mqtt, f"hearth-disco-{time.monotonic_ns()}")
    assistant = Assistant(settings, load_home(settings), link)
    connection = connect_home(assistant, link, settings, settings.site, announce=announce)
    link.connect()
    wait_for_discovery(connection)
    return assistant, link, connection


def test_parse_abbreviations_base_topic_and_device_discovery() -> None:
    tasmota = json.dumps({"name": "Fish Tank", "~": "tasmota_1/", "cmd_t": "~cmnd/POWER", "stat_t": "~tele/STATE",
                          "val_tpl": "{{value_json.POWER}}", "pl_on": 1, "pl_off": 0, "uniq_id": "t1_RL_1",
                          "dev": {"ids": ["t1"], "name": "tasmota_1", "sa": "Kitchen"}}).encode()
    found = parse_discovery("homeassistant/switch/tasmota_1/RL_1/config", tasmota)
    (item,) = found.entities
    assert item.entity.id == "switch.t1_rl_1" and item.entity.name == "tasmota_1 Fish Tank"
    assert item.short_name == "Fish Tank" and item.suggested_area == "Kitchen"
    mqtt = item.entity.mqtt
    assert (mqtt.command_topic, mqtt.state_topic, mqtt.payload_on, mqtt.payload_off) == (
        "tasmota_1/cmnd/POWER", "tasmota_1/tele/STATE", "1", "0")
    device = json.dumps({"dev": {"ids": "p1", "name": "Porch"}, "~": "porch/", "o": {"name": "x"},
                         "cmps": {"l": {"p": "light", "name": "Light", "cmd_t": "~l/set"},
                                  "s": {"p": "siren", "cmd_t": "~s/set"}}}).encode()
    found = parse_discovery("homeassistant/device/porch/config", device)
    assert [e.entity.name for e in found.entities] == ["Porch Light"]
    assert found.entities[0].entity.mqtt.command_topic == "porch/l/set"
    assert found.skipped == ("s: component 'siren' is not supported",)
    assert parse_discovery("homeassistant/switch/x/config", b"").entities == ()


@pytest.mark.parametrize("topic, payload, message", [
    ("homeassistant/switch/x/config", b"{not json", "not JSON"),
    ("homeassistant/switch/x/config", b"[1, 2]", "expected a JSON object"),
    ("homeassistant/switch/x/config", b'{"name": "A"}', "no command topic"),
    ("homeassistant/switch/x/config", b'{"name": "A", "cmd_t": "a/#"}', "wildcards"),
    ("homeassistant/switch/x/config", b'{"name": "A", "cmd_t": "homeassistant/x"}', "under the discovery prefix"),
    ("homeassistant/switch/x/config", b'{"name": "A", "cmd_t": "a", "val_tpl": "{{ value_json.x "}',
     "template does not compile"),
    ("homeassistant/light/x/config", b'{"name": "A", "cmd_t": "a", "schema": "template"}', "not supported"),
    ("homeassistant/light/x/config", b'{"name": "A", "cmd_t": "a", "bri_scl": "big"}', "brightness_scale"),
    ("homeassistant/switch/x/y/z/config", b"{}", "not a discovery config topic"),
    ("homeassistant/switch/x/config", b"\xff\xfe", "not JSON"),
])
def test_malformed_configs_are_refused_with_a_reason(topic: str, payload: bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        parse_discovery(topic, payload)


def test_every_discovered_device_is_recognised_and_controlled(mosquitto: Mosquitto, broker_home) -> None:
    """23 entities from zigbee2mqtt, Tasmota, ESPHome and device-based configs; no config.yaml devices."""
    prefix, _ = broker_home
    assistant, link, _ = _hearth(mosquitto.port, prefix)
    watcher = Subscriber(mosquitto.port, "#")
    try:
        assert len(assistant.home.entities) == 0  # taken up at the next utterance
        sent = []
        for sentence, topic, payload in commands():
            outcome = assistant.handle(sentence, confirmed=True)
            assert outcome.published, (sentence, outcome.reply)
            sent.append((topic, payload))
        assert len(assistant.home.entities) == 23
        received = [m for m in watcher.collect(200, timeout=3) if not m[0].startswith(("hearth/", prefix))]
        for topic, payload in sent:  # read off the broker, not off Hearth
            expected = payload if isinstance(payload, str) else json.dumps(payload, sort_keys=True)
            got = [p if isinstance(payload, str) else json.dumps(json.loads(p), sort_keys=True)
                   for t, p in received if t == topic]
            assert expected in got, (topic, got)
    finally:
        watcher.close()
        link.close()


def test_state_questions_follow_the_devices_live(mosquitto: Mosquitto, broker_home) -> None:
    prefix, devices = broker_home
    assistant, link, _ = _hearth(mosquitto.port, prefix)
    try:
        def answer(question: str, expected: str) -> bool:
            return _until(lambda: assistant.handle(question).reply == expected)

        _send(devices, "zigbee2mqtt/Coffee Maker", '{"state": "ON", "power": 1200}')
        assert answer("is the coffee maker on", "Yes")
        _send(devices, "zigbee2mqtt/Coffee Maker", '{"state": "OFF", "power": 0}')
        assert answer("is the coffee maker on", "No, off")
        _send(devices, "zigbee2mqtt/Bedroom Sensor", '{"temperature": 21.5, "humidity": 48}')
        assert answer("what is the bedroom sensor temperature", "Bedroom sensor temperature is 21.5 °C")
        _send(devices, "zigbee2mqtt/Living Room Thermostat", '{"local_temperature": 19.5, "system_mode": "heat"}')
        assert answer("what's the temperature in the living room", "19.5 degrees")
        _send(devices, "zigbee2mqtt/Side Door Lock", '{"state": "UNLOCK"}')
        assert answer("are any doors unlocked", "Yes, Side Door Lock")
        _send(devices, "zigbee2mqtt/Side Door Lock", '{"state": "LOCK"}')
        assert answer("are any doors unlocked", "No")
        _send(devices, "tasmota_A1B2C3/tele/STATE", '{"Time": "2026-11-22T10:00:00", "POWER": "ON"}')
        assert answer("is the fish tank on", "Yes")
        _send(devices, "zigbee2mqtt/Bedroom Blinds", '{"position": 30, "state": "OPEN"}')
        assert _until(lambda: assistant.states.get("cover.bedroom_blinds").attributes.get("current_position") == 30)
        assert assistant.states.get("cover.bedroom_blinds").state == "open"
    finally:
        link.close()


def test_removal_override_and_malformed_input(mosquitto: Mosquitto, broker_home, caplog) -> None:
    """An empty config removes; config.yaml overrides; garbage configs and states are logged and ignored."""
    prefix, devices = broker_home
    espresso = DeviceConfig(id="switch.coffee_maker", name="Espresso Machine", area="kitchen")
    assistant, link, connection = _hearth(mosquitto.port, prefix, [espresso],
                                          areas=[{"id": "kitchen", "name": "Kitchen"}])
    try:
        outcome = assistant.handle("turn on the espresso machine in the kitchen")
        assert outcome.published and outcome.messages[0].topic == "zigbee2mqtt/Coffee Maker/set"
        garbage = [("switch/bad1/config", b"{oops"), ("switch/bad2/config", b'{"name": "X", "cmd_t": "a/+/b"}'),
                   ("light/bad3/config", json.dumps({"name": "Y", "cmd_t": "y", "bri_scl": -4}).encode()),
                   ("switch/bad4/config", b"A" * 100_000), ("switch/bad5/config", b"\x00\xff" * 50)]
        for topic, payload in garbage:
            _send(devices, f"{prefix}/{topic}", payload)
        for payload in (b"\xff", b"{", b"[]", b'{"state": 7}', b"x" * 70_000):
            _send(devices, "zigbee2mqtt/Coffee Maker", payload)
            _send(devices, "zigbee2mqtt/Bedroom Sensor", payload)
        _send(devices, f"{prefix}/switch/tasmota_A1B2C3/RL_1/config", b"", retain=True)
        assert _until(lambda: assistant.handle("turn off the fish tank").reply ==  # removed: a name it lacks
                      "Sorry, I am not aware of any device called fish tank")
        assert len(assistant.home.entities) == 22
        assert link.connected
        assert assistant.handle("turn on the garden pump").published
        logged = caplog.text
        assert "Ignored discovery config" in logged and "Ignored state of" in logged
    finally:
        link.close()


def test_check_counts_and_a_dry_run_uses_the_discovered_home(mosquitto: Mosquitto, broker_home, tmp_path,
                                                             capsys) -> None:
    """`hearth check` says what discovery brings, and `hearth ask --dry-run` reads the discovered home
    (it sent nothing and knew none of it) (#29)."""
    import yaml

    from app.cli.main import main

    prefix, _ = broker_home
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"mqtt": {"host": "127.0.0.1", "port": mosquitto.port},
                                      "homeassistant": {"discovery_prefix": prefix, "announce": False},
                                      "intents": {"stage": "templates"}}))
    sentence, topic, _ = next(iter(commands()))
    watcher = Subscriber(mosquitto.port, topic)
    assert main(["--config", str(config), "ask", "--dry-run", sentence]) == 0
    reply = capsys.readouterr().out.strip()
    assert reply and "not aware" not in reply and "didn't understand" not in reply, reply
    assert watcher.collect(1, timeout=1.0) == []  # a dry run sends nothing
    watcher.close()
    main(["--config", str(config), "check"])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("discovered")]
    assert len(lines) == 1 and lines[0].split()[1:4] == ["ok", "(23", "entities,"] and f"from {prefix}/)" in lines[0]
