"""Hearth against a real Home Assistant Core (issue #29): every assertion reads Home Assistant's own state.

One Home Assistant, one Mosquitto and one set of zigbee2mqtt-style devices for
the module. Skipped, loudly, when no Home Assistant is installed
(tests/home_assistant.py says where it looks); ``.ci/run`` installs one.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import wave
import zlib
from pathlib import Path
from typing import Any, Iterator

import paho.mqtt.client as paho
import pytest

from app.bench.local_broker import free_port
from app.broker.connections import Callbacks, connect_home
from app.broker.ha_device import discovery_config
from app.config import HomeAssistantSettings, MqttSettings, Settings
from app.core.assistant import Assistant, load_home
from devices.discovery import parse_discovery
from devices.mqtt import MqttLink
from tests.conftest import ROOT, Mosquitto, spoken
from tests.discovery_home import retained_configs
from tests.home_assistant import HomeAssistant, find_ha_python, until

Z2M = "zigbee2mqtt"


def _z2m(name: str, component: str, **config: Any) -> tuple[str, dict[str, Any]]:
    """A discovery config as zigbee2mqtt publishes it: name null (the device's), one JSON state topic."""
    object_id = name.lower().replace(" ", "_")
    return f"homeassistant/{component}/0x{zlib.crc32(name.encode()):08x}/{component}/config", {
        "name": None, "object_id": object_id, "unique_id": f"z2m_{object_id}",
        "origin": {"name": "Zigbee2MQTT", "sw": "2.1.0"}, "state_topic": f"{Z2M}/{name}",
        "command_topic": f"{Z2M}/{name}/set",
        "device": {"identifiers": [f"zigbee2mqtt_{object_id}"], "name": name, "manufacturer": "IKEA"},
        "availability": [{"topic": f"{Z2M}/bridge/state", "value_template": "{{ value_json.state }}"}], **config}


#: The module's home: one light and one lock, the Back Door (the only lock: see the safety test).
HOME = dict([
    _z2m("Kitchen Light", "light", schema="json", brightness=True, brightness_scale=254),
    _z2m("Back Door", "lock", payload_lock='{"state": "LOCK"}', payload_unlock='{"state": "UNLOCK"}',
         state_locked="LOCK", state_unlocked="UNLOCK", value_template="{{ value_json.state }}"),
])


class Zigbee2Mqtt:
    """The devices behind HOME, answering as zigbee2mqtt does: commands on ``<name>/set``, retained JSON state
    with upper-case ON/OFF and LOCK/UNLOCK (what Home Assistant's MQTT entities compare with)."""

    def __init__(self, port: int) -> None:
        self.state = {"Kitchen Light": {"state": "OFF", "brightness": 0}, "Back Door": {"state": "LOCK"}}
        self.commands: list[tuple[str, dict[str, Any]]] = []
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"z2m-{time.monotonic_ns()}")
        self.client.on_message = self._command
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(f"{Z2M}/+/set", qos=1)
        self._send(f"{Z2M}/bridge/state", {"state": "online"})
        for name in self.state:
            self._send(f"{Z2M}/{name}", self.state[name])

    def _send(self, topic: str, payload: Any, retain: bool = True) -> None:
        self.client.publish(topic, payload if isinstance(payload, (str, bytes)) else json.dumps(payload),
                            qos=1, retain=retain)

    def _command(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        name = message.topic.split("/")[1]
        try:
            body = json.loads(message.payload)
        except ValueError:
            body = {"state": message.payload.decode(errors="replace")}
        self.commands.append((name, body))
        if name in self.state and isinstance(body, dict):
            self.state[name].update(body)
            if name == "Kitchen Light" and "brightness" not in body and body.get("state") == "ON":
                self.state[name]["brightness"] = 254
            self._send(f"{Z2M}/{name}", self.state[name])

    def publish_configs(self, configs: dict[str, dict[str, Any] | bytes]) -> None:
        for topic, config in configs.items():
            self.client.publish(topic, config if isinstance(config, bytes) else json.dumps(config),
                                qos=1, retain=True).wait_for_publish(5)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture(scope="module")
def ha_python() -> str:
    python, why = find_ha_python()
    if python is None:
        print(f"\n*** {why}", file=sys.stderr)  # shown with -s, and in the skip reason with -rs
        pytest.skip(why)
    return python


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """This module's own broker: Home Assistant reads every retained config under homeassistant/."""
    mosquitto = Mosquitto(tmp_path_factory.mktemp("ha-broker")).start()
    yield mosquitto
    mosquitto.stop()


@pytest.fixture(scope="module")
def devices(broker: Mosquitto) -> Iterator[Zigbee2Mqtt]:
    z2m = Zigbee2Mqtt(broker.port)
    z2m.publish_configs(HOME)
    yield z2m
    z2m.close()


@pytest.fixture(scope="module")
def hass(ha_python: str, broker: Mosquitto, devices: Zigbee2Mqtt,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    ha = HomeAssistant(ha_python, tmp_path_factory.mktemp("ha-config"), broker.port).start()
    print(f"\nHome Assistant started in {ha.startup_s:.1f} s", file=sys.stderr)
    try:
        assert until(lambda: {"Kitchen Light", "Back Door"} <= set(ha.by_name()), 30), sorted(ha.by_name())
        yield ha
    finally:
        ha.stop()


def _entity(ha: HomeAssistant, name: str, timeout: float = 15.0) -> str:
    """The entity id Home Assistant gave the entity called ``name``."""
    assert until(lambda: name in ha.by_name(), timeout), f"{name!r} not in Home Assistant: {sorted(ha.by_name())}"
    return ha.by_name()[name]


def _hearth_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "hearth.yaml"
    path.write_text(f"site: hatest\nmqtt:\n  host: 127.0.0.1\n  port: {port}\n", encoding="utf-8")
    return path


def _ask(config: Path, text: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``hearth ask`` as a user runs it: its own process, the home discovered from the broker."""
    return subprocess.run([sys.executable, "-m", "app", "--config", str(config), "ask", text, *extra],
                          capture_output=True, text=True, timeout=180, cwd=ROOT, env={**os.environ})


def test_discovered_devices_appear_in_home_assistant_and_report_state(hass: HomeAssistant, devices: Zigbee2Mqtt) -> None:
    """The module's home and tests/discovery_home.py's 22 configs (zigbee2mqtt, Tasmota, ESPHome, device-based)."""
    light, lock = _entity(hass, "Kitchen Light"), _entity(hass, "Back Door")
    assert (light, lock) == ("light.kitchen_light", "lock.back_door")
    assert hass.wait_state(light, "off") == "off" and hass.wait_state(lock, "locked") == "locked"
    devices._send(f"{Z2M}/Kitchen Light", {"state": "ON", "brightness": 127})  # the device's own report
    assert hass.wait_state(light, "on") == "on"
    assert hass.states()[light]["attributes"]["brightness"] == 128  # brightness_scale 254 -> Home Assistant's 255
    devices._send(f"{Z2M}/Kitchen Light", {"state": "OFF", "brightness": 0})
    assert hass.wait_state(light, "off") == "off"

    others = {f"homeassistant/{topic.split('/', 1)[1]}": payload for topic, payload in retained_configs()}
    # What Hearth makes of the same configs, to compare with what Home Assistant makes of them.
    hearth = {(item.entity.domain, item.entity.name) for topic, payload in others.items()
              for item in parse_discovery(topic, payload).entities}
    devices.publish_configs(others)
    try:
        # Home Assistant 2025.4.4 refuses two of them, which Hearth takes: the Bedroom Sensor's humidity shares
        # its temperature's unique_id (discovery_home.py gives both "z2m_bedroom_sensor"; Home Assistant keeps
        # the first), and the device-based Hallway config has a top-level "~" ("extra keys not allowed").
        refused = {("sensor", "Bedroom Sensor Humidity"), ("light", "Hallway Light"), ("fan", "Hallway Fan")}
        assert refused <= hearth and len(hearth) == 23

        def missing() -> list[tuple[str, str]]:
            # Names differ in one way: Hearth drops a device name the entity's name repeats ("Garage Door"),
            # Home Assistant keeps it ("garage Garage Door"). Same domain, same name at the end.
            theirs = [(e.split(".")[0], n.lower()) for n, e in hass.by_name().items()]
            return sorted((d, n) for d, n in hearth if not any(
                d == td and (tn == n.lower() or tn.endswith(" " + n.lower())) for td, tn in theirs))
        assert until(lambda: missing() == sorted(refused), 20), missing()
        devices._send(f"{Z2M}/Coffee Maker", {"state": "ON", "power": 1200})
        assert hass.wait_state(_entity(hass, "Coffee Maker"), "on") == "on"
    finally:  # an empty retained config removes the device: later tests see only HOME
        devices.publish_configs({topic: b"" for topic in others})
    assert until(lambda: "Coffee Maker" not in hass.by_name(), 15)


def test_hearth_commands_change_home_assistant_state(hass: HomeAssistant, devices: Zigbee2Mqtt, broker: Mosquitto,
                                                     tmp_path: Path) -> None:
    """``hearth ask``, template phrasing and the LLM's (bundled SmolLM2), on a home it only knows by discovery."""
    light = _entity(hass, "Kitchen Light")
    config = _hearth_config(tmp_path, broker.port)
    done = _ask(config, "turn on the kitchen light", "-v")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intent=HassTurnOn" in done.stderr and " llm=" not in done.stderr, done.stderr[-2000:]  # the templates'
    assert hass.wait_state(light, "on") == "on", done.stdout
    began = time.monotonic()
    done = _ask(config, "could you kill the kitchen light, it is late", "-v")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intent=HassTurnOff" in done.stderr and " llm=" in done.stderr, done.stderr[-2000:]  # the LLM's
    assert hass.wait_state(light, "off") == "off", (done.stdout, done.stderr[-2000:])
    print(f"\nLLM phrasing: {time.monotonic() - began:.1f} s, reply {done.stdout.strip()!r}", file=sys.stderr)


def _hearth(port: int, site: str, **callbacks: Any) -> tuple[Assistant, MqttLink, Any]:
    """Hearth running as ``hearth run`` does: announced as a device, the home from discovery."""
    settings = Settings(site=site, mqtt=MqttSettings(host="127.0.0.1", port=port),
                        homeassistant=HomeAssistantSettings())
    link = MqttLink(settings.mqtt, f"hearth-{site}-{time.monotonic_ns()}")
    assistant = Assistant(settings, load_home(settings), link)
    connection = connect_home(assistant, link, settings, site, Callbacks(**callbacks))
    link.start()
    assert until(lambda: link.connected, 10)
    return assistant, link, connection


def test_hearth_is_a_home_assistant_device(hass: HomeAssistant, devices: Zigbee2Mqtt, broker: Mosquitto) -> None:
    """Its entities in Home Assistant; the mute switch and the command text, operated from Home Assistant."""
    muted: list[bool] = []
    handled = threading.Event()
    _, link, connection = _hearth(broker.port, "den", mute=muted.append, on_outcome=lambda outcome: handled.set())
    try:
        mute = _entity(hass, "Hearth den Mute")
        device = f"device_id('{mute}')"
        assert hass.template(f"{{{{ device_attr({device}, 'name') }}}}") == "Hearth den"
        assert hass.template(f"{{{{ device_attr({device}, 'manufacturer') }}}}") == "Hearth"
        entities = hass.template(f"{{{{ device_entities({device}) | sort | join(',') }}}}").split(",")
        names = sorted(hass.states()[e]["attributes"]["friendly_name"] for e in entities)
        announced = discovery_config("den", connection.device.topics, connection.device.intents())["cmps"].values()
        assert names == sorted(f"Hearth den {c['name']}" for c in announced)  # every one, none refused
        assert {"Hearth den Mute", "Hearth den Command", "Hearth den Last transcript"} <= set(names)
        assert hass.wait_state(mute, "off") == "off"

        hass.call("switch", "turn_on", entity_id=mute)
        assert until(lambda: muted == [True], 10), muted
        assert hass.wait_state(mute, "on") == "on"  # Hearth's state topic, read back by Home Assistant
        hass.call("switch", "turn_off", entity_id=mute)
        assert until(lambda: muted == [True, False], 10), muted
        assert hass.wait_state(mute, "off") == "off"

        light = _entity(hass, "Kitchen Light")
        assert hass.wait_state(light, "off") == "off"
        hass.call("text", "set_value", entity_id=_entity(hass, "Hearth den Command"), value="turn on the kitchen light")
        assert handled.wait(30)
        assert hass.wait_state(light, "on") == "on"  # Home Assistant -> Hearth -> the device -> Home Assistant
        assert hass.wait_state(_entity(hass, "Hearth den Last intent"), "HassTurnOn") == "HassTurnOn"
        transcript = _entity(hass, "Hearth den Last transcript")
        assert hass.wait_state(transcript, "turn on the kitchen light") == "turn on the kitchen light"
        # The intent as an event Home Assistant's automations trigger on (#30): type, words and slots.
        event = _entity(hass, "Hearth den Intent")
        assert until(lambda: hass.states()[event]["attributes"].get("event_type") == "HassTurnOn", 10)
        fired = hass.states()[event]["attributes"]
        assert fired["text"] == "turn on the kitchen light" and fired["slots"]["name"] == "Kitchen Light"
    finally:
        connection.close()
        link.close()
    assert hass.wait_state(mute, "unavailable") == "unavailable"  # Hearth said offline on the way out
    hass.call("light", "turn_off", entity_id=light)
    assert hass.wait_state(light, "off") == "off"


def _lock_commands(devices: Zigbee2Mqtt) -> list[dict[str, Any]]:
    return [body for name, body in devices.commands if name == "Back Door"]


def test_an_unknown_lock_never_unlocks_the_only_one(hass: HomeAssistant, devices: Zigbee2Mqtt, broker: Mosquitto,
                                                    tmp_path: Path) -> None:
    """The Back Door is the home's only lock: "unlock the front door" must not become it, confirmed or not."""
    lock = _entity(hass, "Back Door")
    assert hass.wait_state(lock, "locked") == "locked"
    config = _hearth_config(tmp_path, broker.port)
    for extra in ((), ("--yes",)):
        done = _ask(config, "unlock the front door", *extra)
        print(f"\nunlock the front door {' '.join(extra)}: {done.returncode} {done.stdout.strip()!r}", file=sys.stderr)
        assert done.returncode == 1 and "front door" in done.stdout, done.stdout  # not understood: nothing sent
        assert not _lock_commands(devices), devices.commands
        assert hass.state(lock) == "locked"
    # The lock is reachable through Hearth, so the silence above is a refusal, not a broken path:
    done = _ask(config, "unlock the back door")  # sensitive: asks, sends nothing
    assert hass.state(lock) == "locked" and not _lock_commands(devices), (done.stdout, devices.commands)
    done = _ask(config, "unlock the back door", "--yes")
    assert hass.wait_state(lock, "unlocked") == "unlocked", done.stdout + done.stderr
    hass.call("lock", "lock", entity_id=lock)  # and Home Assistant's own command reaches the device
    assert hass.wait_state(lock, "locked") == "locked"


@pytest.fixture
def wyoming_server(broker: Mosquitto, tmp_path: Path) -> Iterator[int]:
    """``hearth wyoming`` on a free loopback port, with the module's broker (handled mode: Hearth acts)."""
    port = free_port()
    config = _hearth_config(tmp_path, broker.port)
    with config.open("a", encoding="utf-8") as more:
        more.write("wyoming:\n  idle_timeout: 5.0\n")  # a refused stream ends in seconds, not 30
    proc = subprocess.Popen([sys.executable, "-m", "app", "--config", str(config), "-v", "wyoming", "--no-zeroconf",
                             "--uri", f"tcp://127.0.0.1:{port}"], stdout=subprocess.PIPE,
                            stderr=(tmp_path / "wyoming.err").open("wb"), text=True, cwd=ROOT)
    ready = threading.Event()
    threading.Thread(target=lambda: ready.set() if "wyoming ready" in (proc.stdout.readline() or "") else None,
                     daemon=True).start()
    try:
        assert ready.wait(120), (tmp_path / "wyoming.err").read_text()[-2000:]
        # "ready" comes before the discovered home is built (seconds on a busy machine), and a command in
        # between meets an empty home and is not understood: wait for the take-up its log reports.
        assert until(lambda: "Home taken up: 2 entities" in (tmp_path / "wyoming.err").read_text(), 60, step=0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture
def wyoming_entry(hass: HomeAssistant, wyoming_server: int) -> Iterator[str]:
    """The Wyoming integration set up from its own config flow, as a user adds it; removed afterwards."""
    flow = hass.post("/api/config/config_entries/flow", {"handler": "wyoming"})
    done = hass.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {"host": "127.0.0.1", "port": wyoming_server})
    assert done["type"] == "create_entry" and done["title"] == "Hearth", done
    entry = done["result"]["entry_id"]
    try:
        assert until(lambda: {"conversation", "stt"} <= {e.split(".")[0] for e in hass.states() if "hearth" in e},
                     30), sorted(hass.states())
        yield entry
    finally:
        hass._request("DELETE", f"/api/config/config_entries/entry/{entry}")


def test_home_assistant_converses_through_hearth_over_wyoming(hass: HomeAssistant, devices: Zigbee2Mqtt,
                                                              wyoming_entry: str) -> None:
    """Hearth as Assist's conversation agent (handled mode): Home Assistant's text, Hearth's action and reply."""
    try:
        agent = next(e for e in hass.states() if e.startswith("conversation.") and "hearth" in e)
        light = _entity(hass, "Kitchen Light")
        assert hass.wait_state(light, "off") == "off"
        said = hass.post("/api/conversation/process", {"text": "turn on the kitchen light", "agent_id": agent})
        assert hass.wait_state(light, "on") == "on", json.dumps(said["response"])
        speech = said["response"]["speech"]["plain"]["speech"]
        assert speech == "Turned on the light"
    finally:
        hass.call("light", "turn_off", entity_id=_entity(hass, "Kitchen Light"))


# Home Assistant's /api/stt iterates the request body line by line (split at 0x0A bytes) and forwards
# each piece as one AudioChunk: chunks of odd lengths, which Hearth joins across chunks.
def test_home_assistant_transcribes_through_hearth_over_wyoming(hass: HomeAssistant, wyoming_entry: str, tts) -> None:
    """Home Assistant's speech-to-text API, answered by Hearth's transcriber."""
    stt = next(e for e in hass.states() if e.startswith("stt.") and "hearth" in e)
    pcm = spoken(tts, 0.3, "turn off the kitchen light", 0.5)
    wav = io.BytesIO()
    with wave.open(wav, "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000), out.writeframes(pcm)
    request = urllib.request.Request(f"{hass.url}/api/stt/{stt}", data=wav.getvalue(), method="POST", headers={
        "Authorization": f"Bearer {hass.token}", "X-Speech-Content":
        "format=wav; codec=pcm; sample_rate=16000; bit_rate=16; channel=1; language=en"})
    with urllib.request.urlopen(request, timeout=60) as response:
        heard = json.loads(response.read())
    assert heard["result"] == "success" and "kitchen light" in heard["text"].lower(), heard

