"""Hearth as a Home Assistant device, and the Hermes protocol, against a real Mosquitto."""

from __future__ import annotations

import json
import threading
import time
from typing import Callable, Iterator

import paho.mqtt.client as paho
import pytest

from app.broker.connections import Callbacks, connect_home
from app.config import HermesSettings, HomeAssistantSettings, MqttSettings, Settings
from app.core.assistant import Assistant, load_home
from app.core.outcome import Outcome
from devices.discovery import parse_discovery
from devices.mqtt import MqttLink
from tests.conftest import FIXTURES, Mosquitto, Subscriber


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A broker of this module's own: Hearth's device leaves retained messages, as it should."""
    broker = Mosquitto(tmp_path_factory.mktemp("ha-device-broker")).start()
    yield broker
    broker.stop()


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


def _settings(port: int, site: str, **extra: object) -> Settings:
    return Settings(site=site, home_file=str(FIXTURES), topic_base="home",
                    mqtt=MqttSettings(host="127.0.0.1", port=port),
                    homeassistant=HomeAssistantSettings(discovery_prefix=f"ha_{site}", import_devices=False),
                    **extra)


def _send(port: int, topic: str, payload: str) -> None:
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"ha-{time.monotonic_ns()}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def test_hearth_announces_itself_and_obeys_its_entities(mosquitto: Mosquitto) -> None:
    settings = _settings(mosquitto.port, "den")
    watcher = Subscriber(mosquitto.port, "#")
    link = MqttLink(settings.mqtt, "hearth-den")
    assistant = Assistant(settings, load_home(settings), link)
    muted: list[bool] = []
    outcomes: list[Outcome] = []
    connection = connect_home(assistant, link, settings, "den", Callbacks(mute=muted.append, on_outcome=outcomes.append))
    link.start()
    try:
        assert _until(lambda: link.connected)
        config_topic = "ha_den/device/hearth_den/config"
        got = dict(watcher.collect(4, timeout=3))
        assert got["hearth/den/state"] == "idle"  # known from the start, not "unknown" until an utterance
        config = parse_discovery(config_topic, got[config_topic].encode(), "ha_den")
        names = sorted(e.entity.name for e in config.entities)
        assert names == ["Hearth den Last intent", "Hearth den Last reply", "Hearth den Last transcript",
                         "Hearth den Lists", "Hearth den Mute", "Hearth den State", "Hearth den Timers"]
        # Hearth does not import text or event entities (the intent event is for automations)
        assert config.skipped == ("command: component 'text' is not supported",
                                  "intent_event: component 'event' is not supported")
        event = json.loads(got[config_topic])["cmps"]["intent_event"]
        assert event["stat_t"] == "hearth/den/intent" and {"HassTurnOn", "HassLightSet"} <= set(event["evt_typ"])
        assert got["hearth/den/availability"] == "online"

        connection.device.pipeline_state("listening")
        _send(mosquitto.port, "hearth/den/mute/set", "ON")
        _send(mosquitto.port, "hearth/den/mute/set", "loud")  # not ON/OFF: ignored
        _send(mosquitto.port, "hearth/den/command", "turn on the garage light")
        assert _until(lambda: outcomes and outcomes[0].published)
        _send(mosquitto.port, "ha_den/status", "online")  # Home Assistant restarted: announce again
        seen = watcher.collect(30, timeout=3)
        assert ("hearth/den/state", "listening") in seen
        assert muted == [True] and ("hearth/den/mute", "ON") in seen
        assert ("home/light/garage/set", '{"state": "ON"}') in seen
        assert ("hearth/den/transcript", "turn on the garage light") in seen
        assert ("hearth/den/last_intent", "HassTurnOn") in seen
        answered = [json.loads(p) for t, p in seen if t == "hearth/den/reply"]
        assert [(r["text"], r["reply"], r["done"]) for r in answered] == [
            ("turn on the garage light", "Turned on the light", True)]
        assert [t for t, _ in seen].count(config_topic) == 1
    finally:
        connection.close()
        link.close()
    assert ("hearth/den/availability", "offline") in watcher.collect(5, timeout=2)
    watcher.close()


def test_last_will_says_offline_when_hearth_vanishes(mosquitto: Mosquitto) -> None:
    settings = _settings(mosquitto.port, "attic")
    link = MqttLink(settings.mqtt.model_copy(update={"keepalive": 5}), "hearth-attic")
    connection = connect_home(Assistant(settings, load_home(settings), link), link, settings, "attic")
    link.start()
    assert _until(lambda: link.connected)
    watcher = Subscriber(mosquitto.port, "hearth/attic/availability")
    assert watcher.collect(1, timeout=3) == [("hearth/attic/availability", "online")]
    link._client.socket().close()  # the process dies: no DISCONNECT is sent
    link._client.loop_stop()
    assert watcher.collect(1, timeout=15) == [("hearth/attic/availability", "offline")]
    watcher.close()
    connection.close()


def test_hermes_intents_out_and_tts_say_in(mosquitto: Mosquitto) -> None:
    settings = _settings(mosquitto.port, "study", hermes=HermesSettings(enabled=True))
    watcher = Subscriber(mosquitto.port, "hermes/#")
    spoken: list[str] = []
    said = threading.Event()

    finish: list = []

    def speak(text: str, done) -> None:
        spoken.append(text)
        finish.append(done)  # still being said: sayFinished must wait for it (#33)
        said.set()

    link = MqttLink(settings.mqtt, "hearth-study")
    assistant = Assistant(settings, load_home(settings), link)
    connection = connect_home(assistant, link, settings, "study", Callbacks(speak=speak), announce=False)
    link.connect()
    try:
        assistant.handle("turn on the garage light")
        assistant.handle("sing me a song about cheese")
        _send(mosquitto.port, "hermes/tts/say", json.dumps({"text": "Dinner is ready", "siteId": "study", "id": "r1"}))
        _send(mosquitto.port, "hermes/tts/say", json.dumps({"text": "Not here", "siteId": "garage"}))
        _send(mosquitto.port, "hermes/tts/say", "{broken")
        assert said.wait(5)
        early = dict(watcher.collect(6, timeout=2))
        assert "hermes/tts/sayFinished" not in early
        finish[0]()
        seen = {**early, **dict(watcher.collect(1, timeout=3))}
        intent = json.loads(seen["hermes/intent/HassTurnOn"])
        assert intent["intent"] == {"intentName": "HassTurnOn", "confidenceScore": 1.0}
        assert intent["siteId"] == "study" and intent["input"] == "turn on the garage light"
        assert [(s["slotName"], s["rawValue"], s["value"]) for s in intent["slots"]] == [
            ("name", "garage light", {"kind": "Unknown", "value": "Garage Light"})]
        missed = json.loads(seen["hermes/nlu/intentNotRecognized"])
        assert missed["input"] == "sing me a song about cheese" and missed["siteId"] == "study"
        assert json.loads(seen["hermes/tts/sayFinished"]) == {"id": "r1", "siteId": "study", "sessionId": None}
        assert spoken == ["Dinner is ready"]
    finally:
        connection.close()
        link.close()
        watcher.close()
