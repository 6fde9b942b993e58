"""`hearth ask` against a real Mosquitto: commands on command topics, intent events, auth."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from app.cli.main import main
from tests.conftest import FIXTURES, Mosquitto, Subscriber, free_port


def _config(tmp_path: Path, port: int, **mqtt: object) -> Path:
    config = {
        "site": "living_room", "area": "Living Room", "sites": {"garage_sat": "Garage"},
        "home_file": str(FIXTURES), "topic_base": "home",
        "mqtt": {"host": "127.0.0.1", "port": port, "publish_timeout": 3.0, **mqtt},
        "devices": [{
            "id": "switch.kettle", "name": "Kettle", "area": "kitchen_id",
            "mqtt": {"command_topic": "tasmota/kettle/cmnd/POWER", "payload_on": "1", "payload_off": "0"},
        }],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture()
def subscriber(mosquitto: Mosquitto):
    sub = Subscriber(mosquitto.port, fresh_only=True)  # another test's retained state is no command
    yield sub
    sub.close()


def _ask(config: Path, *args: str) -> int:
    return main(["--config", str(config), "ask", *args])


def test_area_command_reaches_every_light_and_announces_the_intent(
    tmp_path: Path, mosquitto: Mosquitto, subscriber: Subscriber, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _ask(_config(tmp_path, mosquitto.port), "turn off the kitchen lights") == 0
    assert capsys.readouterr().out.strip() == "Turned off the lights"
    got = subscriber.collect(4)
    commands = {t: json.loads(p) for t, p in got if t.endswith("/set")}
    assert commands == {f"home/light/{name}/set": {"state": "OFF"} for name in
                        ("kitchen_countertop", "kitchen_ceiling", "kitchen_cabinets")}
    events = [json.loads(p) for t, p in got if t == "hearth/living_room/intent"]
    assert len(events) == 1
    event = events[0]
    assert event["intent"] == "HassTurnOff" and event["slots"] == {"area": "Kitchen", "domain": "light"}
    assert event["text"] == "turn off the kitchen lights" and event["site"] == "living_room"
    assert len(event["targets"]) == 3 and isinstance(event["timestamp"], float)


def test_json_light_brightness_and_colour(tmp_path: Path, mosquitto: Mosquitto, subscriber: Subscriber) -> None:
    config = _config(tmp_path, mosquitto.port)
    assert _ask(config, "set the bedroom lamp brightness to 50%") == 0
    assert _ask(config, "set the play corner to red") == 0
    got = [(t, json.loads(p)) for t, p in subscriber.collect(4) if t.endswith("/set")]
    assert got == [("home/light/bedroom_lamp/set", {"state": "ON", "brightness": 128}),
                   ("home/light/play_corner/set", {"state": "ON", "color": {"r": 255, "g": 0, "b": 0}})]


def test_default_schema_payloads_and_custom_topics(tmp_path: Path, mosquitto: Mosquitto, subscriber: Subscriber) -> None:
    config = _config(tmp_path, mosquitto.port)
    assert _ask(config, "turn on the kettle") == 0
    assert _ask(config, "lock the front door") == 0
    assert _ask(config, "set the office thermostat to 68") == 0
    got = [(t, p) for t, p in subscriber.collect(6) if "intent" not in t]
    assert got == [("tasmota/kettle/cmnd/POWER", "1"), ("home/lock/front_door/set", "LOCK"),
                   ("home/climate/office_thermostat/temperature/set", "68")]


def test_in_here_uses_the_sites_area(tmp_path: Path, mosquitto: Mosquitto, subscriber: Subscriber) -> None:
    assert _ask(_config(tmp_path, mosquitto.port), "turn on the lights", "--site", "garage_sat") == 0
    got = [(t, json.loads(p)) for t, p in subscriber.collect(2)]
    assert got[0] == ("home/light/garage/set", {"state": "ON"})
    assert got[1][0] == "hearth/garage_sat/intent"


def test_unknown_device_sends_nothing(
    tmp_path: Path, mosquitto: Mosquitto, subscriber: Subscriber, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _ask(_config(tmp_path, mosquitto.port), "turn on the sprinklers") == 1
    assert "Sorry, I am not aware of any device called sprinklers" in capsys.readouterr().out
    sent = subscriber.collect(2, timeout=0.5)
    assert [topic for topic, _ in sent if not topic.endswith("/intent")] == []  # the intent event only: no command
    assert all(json.loads(payload)["targets"] == [] for _, payload in sent)


def test_unreachable_broker_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, free_port())  # nobody listens there
    assert _ask(config, "turn on the kettle") == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("hearth: cannot connect to MQTT broker 127.0.0.1:") and "Traceback" not in err


def test_username_and_password(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    passwords = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "hearth", "s3cret"], check=True)
    broker = Mosquitto(tmp_path, f"allow_anonymous false\npassword_file {passwords}\n").start()
    try:
        sub = Subscriber(broker.port, username="hearth", password="s3cret")
        config = _config(tmp_path, broker.port, username="hearth")
        monkeypatch.setenv("HEARTH_MQTT_PASSWORD", "s3cret")
        assert _ask(config, "turn on the kettle") == 0
        assert sub.collect(1)[0] == ("tasmota/kettle/cmnd/POWER", "1")
        sub.close()
        monkeypatch.setenv("HEARTH_MQTT_PASSWORD", "wrong")
        assert _ask(config, "turn on the kettle") == 1
        assert "refused the connection" in capsys.readouterr().err
    finally:
        broker.stop()
