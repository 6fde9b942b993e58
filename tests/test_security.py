"""Nothing unsafe: confirmations, topics only of registered entities, no other network peers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.config import MqttSettings, Settings
from app.core.assistant import Assistant
from devices.commands import CommandError, build_messages
from devices.decision import Recognition, Source
from devices.mqtt import MqttLink
from devices.registry import build_home, load_fixture_file
from devices.resolve import resolve
from devices.state import StateStore
from intents.confirmation import Confirmations
from intents.vocabulary import vocabulary
from tests.conftest import FIXTURES, ROOT, Mosquitto, Subscriber

EN = vocabulary("en")

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")
COMMAND_TOPICS = {getattr(e.mqtt, k) for e in HOME.entities if e.mqtt for k in (
    "command_topic", "brightness_command_topic", "rgb_command_topic", "set_position_topic",
    "temperature_command_topic", "mode_command_topic", "volume_command_topic") if getattr(e.mqtt, k)}
NAMES = [n for e in HOME.entities for n in e.names] + [a.name for a in HOME.areas]
INTENTS = ["HassTurnOn", "HassTurnOff", "HassLightSet", "HassSetPosition", "HassClimateSetTemperature",
           "HassMediaPause", "HassSetVolume", "HassVacuumStart", "HassGetState", "HassStartTimer", "Bogus"]
text = st.one_of(st.sampled_from(NAMES), st.text(max_size=40), st.sampled_from(["all", "light", "../../#", "+", "#"]))
slot_value = st.one_of(text, st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.lists(text, max_size=3))


@hypothesis_settings(max_examples=600, deadline=None)
@given(intent=st.one_of(st.sampled_from(INTENTS), st.text(max_size=20)),
       slots=st.dictionaries(st.sampled_from(["name", "area", "floor", "domain", "device_class", "state", "brightness",
                                              "color", "temperature", "position", "volume_level", "minutes"]),
                             slot_value, max_size=6),
       area=st.one_of(st.none(), st.sampled_from([a.name for a in HOME.areas]), st.text(max_size=10)))
def test_any_recogniser_output_publishes_only_to_registered_command_topics(intent, slots, area) -> None:
    decision = resolve(Recognition(intent, slots, source=Source.LLM, confidence=1.0), HOME, StateStore(), area)
    for target in decision.targets if decision.acts else ():
        try:
            messages = build_messages(HOME.entity(target), intent, decision.data)
        except CommandError:
            continue
        assert {m.topic for m in messages} <= COMMAND_TOPICS


def test_yes_and_no() -> None:
    assert EN.answer("Yes.") is True and EN.answer("do it") is True and EN.answer("Okay!") is True
    assert EN.answer("no") is False and EN.answer("Cancel.") is False
    assert EN.answer("turn on the lights") is None


def test_confirmations_expire() -> None:
    now = [0.0]
    confirmations = Confirmations(timeout=10, clock=lambda: now[0])
    decision = resolve(Recognition("HassTurnOff", {"name": "Front Door"}), HOME, StateStore())
    assert confirmations.needed(decision, HOME) == ["Front Door"]
    confirmations.ask("hall", decision)
    now[0] = 11.0
    assert not confirmations.waiting("hall") and confirmations.take("hall") is None


def _assistant(link: MqttLink) -> Assistant:
    return Assistant(Settings(mqtt=link.settings), HOME, link)


def test_unlocking_waits_for_a_yes(mosquitto: Mosquitto) -> None:
    settings = MqttSettings(host="127.0.0.1", port=mosquitto.port)
    subscriber = Subscriber(mosquitto.port, "home/#")
    with MqttLink(settings, "hearth-confirm-test") as link:
        assistant = _assistant(link)
        asked = assistant.handle("unlock the front door")
        assert asked.awaiting_confirmation and asked.reply == "Do you want me to unlock the Front Door? Say yes to confirm."
        assert subscriber.collect(1, timeout=0.5) == []
        done = assistant.handle("yes")
        assert done.published and done.decision.targets == ("lock.front_door",)
        assert subscriber.collect(1) == [("home/lock/front_door/set", "UNLOCK")]
        assistant.handle("unlock the front door")
        assert assistant.handle("no").reply == "Okay, I won't"
        locking = assistant.handle("lock the front door")  # locking is not sensitive
        assert locking.published and not locking.awaiting_confirmation
        assert subscriber.collect(2) == [("home/lock/front_door/set", "LOCK")]
    subscriber.close()


def test_per_entity_confirmation_override() -> None:
    from devices.entity_config import DeviceConfig
    from devices.registry import build_home as build

    home = build(load_fixture_file(FIXTURES), devices=[
        DeviceConfig(id="switch.heater", name="Heater", confirm=True, mqtt={"command_topic": "heater/set"}),
        DeviceConfig(id="lock.shed", name="Shed Lock", confirm=False, mqtt={"command_topic": "shed/set"})])
    confirmations = Confirmations()
    heater = resolve(Recognition("HassTurnOn", {"name": "Heater"}), home, StateStore())
    shed = resolve(Recognition("HassTurnOff", {"name": "Shed Lock"}), home, StateStore())
    assert confirmations.needed(heater, home) == ["Heater"] and confirmations.needed(shed, home) == []


AUDIT = r"""
import json, sys
peers, bound = [], []

def port_of(sock):
    try:
        return sock.getsockname()[1]
    except OSError:
        return None

def hook(event, args):
    if event == "socket.bind":
        bound.append(args[0])
    elif event == "socket.connect":
        # paho wakes its network thread through a socket pair: it binds a
        # loopback port and connects to itself. That is not a network peer.
        own = {port_of(sock) for sock in bound}
        if not (isinstance(args[1], tuple) and args[1][1] in own):
            peers.append(str(args[1]))

sys.addaudithook(hook)
from app.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "peers": peers}))
"""


def test_no_network_peer_but_the_broker(tmp_path: Path, mosquitto: Mosquitto, tts) -> None:
    from app.audio.inputs import write_wav
    from tests.conftest import spoken

    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"home_file": str(FIXTURES), "topic_base": "home",
                                      "mqtt": {"host": "127.0.0.1", "port": mosquitto.port}}))
    wav = tmp_path / "in.wav"
    write_wav(wav, spoken(tts, 0.3, "turn on the garage light", 1.5))
    for args in (["ask", "turn on the garage light"],
                 ["run", "--wav", str(wav), "--no-wake", "--output-wav", str(tmp_path / "o.wav")]):
        result = subprocess.run([sys.executable, "-c", AUDIT, "--config", str(config), *args], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        report = json.loads(result.stdout.strip().splitlines()[-1])
        assert report["code"] == 0, result.stderr
        assert report["peers"] and set(report["peers"]) == {str(("127.0.0.1", mosquitto.port))}


def test_transcripts_stay_out_of_the_log_unless_enabled(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="app.core.assistant")
    Assistant(Settings(), HOME).handle("turn on the secret lamp please", dry_run=True)
    Assistant(Settings(security={"log_transcripts": True}), HOME).handle("turn on the garage light", dry_run=True)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("utterance")]
    assert len(lines) == 2 and "secret" not in lines[0] and "heard='turn on the garage light'" in lines[1]


def test_a_yes_from_another_conversation_confirms_nothing(mosquitto: Mosquitto) -> None:
    """The question belongs to the conversation that was asked (#29, #33): a "yes" from another Home
    Assistant conversation, from the voice loop of the same site or from the MQTT command topic does
    not unlock; the asking conversation's own "yes" still does."""
    settings = MqttSettings(host="127.0.0.1", port=mosquitto.port)
    subscriber = Subscriber(mosquitto.port, "home/lock/#")
    with MqttLink(settings, "hearth-conversation-test") as link:
        # The longest wait: the strangers' "yes" load the LLM stage, on a shared machine.
        assistant = Assistant(Settings(mqtt=link.settings, security={"confirm_seconds": 120}), HOME, link)
        assert assistant.handle("unlock the front door", conversation="phone-chat").awaiting_confirmation
        for other in ("kitchen-satellite", "mqtt", None):
            stranger = assistant.handle("yes", conversation=other)
            assert not stranger.published and not stranger.messages, other
        assert subscriber.collect(1, timeout=0.5) == []
        done = assistant.handle("yes", conversation="phone-chat")
        assert done.published and subscriber.collect(1) == [("home/lock/front_door/set", "UNLOCK")]
    subscriber.close()
