"""The broker goes away and comes back: nothing is lost silently, nothing crashes."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho

from app.config import MqttSettings, Settings
from app.core.assistant import Assistant
from devices.mqtt import MqttLink
from devices.registry import build_home, load_fixture_file
from devices.state_listener import follow_states
from tests.conftest import FIXTURES, Mosquitto

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")


def _persistent_subscriber(port: int, received: list[dict]) -> paho.Client:
    """A subscriber whose session (and queued messages) survive a broker restart."""
    ready = threading.Event()
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="reliability-sub", clean_session=False)
    client.on_connect = lambda c, u, f, rc, p: c.subscribe("home/light/garage/set", qos=1)
    client.on_subscribe = lambda *args: ready.set()
    client.on_message = lambda c, u, m: received.append(json.loads(m.payload))
    client.reconnect_delay_set(min_delay=0.2, max_delay=1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert ready.wait(5)
    return client


def test_broker_restart_during_100_commands(tmp_path: Path) -> None:
    config = f"allow_anonymous true\npersistence true\npersistence_location {tmp_path}/\n"
    broker = Mosquitto(tmp_path, config).start()
    received: list[dict] = []
    subscriber = _persistent_subscriber(broker.port, received)
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=broker.port, publish_timeout=1.0))
    link = MqttLink(settings.mqtt, "hearth-reliability")
    link.start()
    try:
        assistant = Assistant(settings, HOME, link)
        outcomes = {}
        for i in range(1, 101):
            if i == 31:
                broker.stop()
            if i == 41:
                broker = Mosquitto(tmp_path, config, port=broker.port).start()
            outcomes[i] = assistant.handle(f"set the garage light to {i} percent")
        deadline = time.monotonic() + 15
        published = {i for i, o in outcomes.items() if o.published}
        while time.monotonic() < deadline and len(received) < len(published):
            time.sleep(0.1)
    finally:
        link.close()
        subscriber.loop_stop()
        broker.stop()
    failed = {i for i, o in outcomes.items() if o.failed}
    assert published | failed == set(range(1, 101)) and not published & failed
    assert all(o.reply == "Sorry, I couldn't reach your devices" for i, o in outcomes.items() if i in failed)
    by_brightness = {round(i * 255 / 100): i for i in range(1, 101)}
    delivered = {by_brightness[m["brightness"]] for m in received}
    assert published <= delivered  # every command reported done reached the device's topic
    assert set(range(31, 41)) <= failed  # the broker was down: reported, not silently queued
    assert len(published) >= 80


def test_malformed_messages_on_every_subscribed_topic(mosquitto: Mosquitto) -> None:
    """10,000 malformed payloads on the state topics and push-to-talk: logged, ignored, still working."""
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port))
    rng = random.Random(7)
    topics = [e.mqtt.state_topic for e in HOME.entities if e.mqtt and e.mqtt.state_topic]
    payloads = [b"", b"{", b"[]", b"null", b'{"state": 5}', b'{"state": null}', b"\xff\xfe\x00", b"A" * 70000,
                b'{"state": "on", "brightness": "x"}', json.dumps({"state": ["a"]}).encode()]
    with MqttLink(settings.mqtt, "hearth-fuzz") as link:
        assistant = Assistant(settings, HOME, link)
        follow_states(link, HOME, assistant.states)
        link.subscribe("hearth/hearth/listen", lambda topic, payload: None)
        sender = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="fuzzer")
        sender.max_queued_messages_set(0)
        sender.connect("127.0.0.1", mosquitto.port)
        sender.loop_start()
        for n in range(10_000):
            payload = rng.choice(payloads) if n % 2 else bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
            sender.publish(rng.choice(topics + ["hearth/hearth/listen"]), payload, qos=1)
        sender.publish("home/light/garage/state", b'{"state": "OFF"}', qos=1).wait_for_publish(10)
        sender.loop_stop()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and assistant.states.get("light.garage").state != "off":
            time.sleep(0.1)
        assert link.connected
        assert assistant.states.get("light.garage").state == "off"
        assert assistant.handle("is the garage light on").reply == "No, off"
        assert assistant.handle("turn on the garage light").published


def test_broker_down_at_start_up(tmp_path: Path) -> None:
    """Hearth starts without its broker, says so per command, and works once the broker appears."""
    from tests.conftest import free_port

    port = free_port()
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=port, publish_timeout=0.5))
    link = MqttLink(settings.mqtt, "hearth-late-broker")
    link.start()  # no broker yet: must not raise
    try:
        assistant = Assistant(settings, HOME, link)
        early = assistant.handle("turn on the garage light")
        assert early.failed and early.reply == "Sorry, I couldn't reach your devices"
        broker = Mosquitto(tmp_path, port=port).start()
        try:
            deadline = time.monotonic() + 40  # reconnect backoff: 1, 2, 4... seconds
            while time.monotonic() < deadline and not link.connected:
                time.sleep(0.1)
            assert link.connected
            assert assistant.handle("turn on the garage light").published
        finally:
            broker.stop()
    finally:
        link.close()
