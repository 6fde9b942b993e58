"""Conversations that continue: "which one?", answers without the wake word, "it" and "them"."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.audio.inputs import frames
from app.audio.outputs import NullSink
from app.config import MqttSettings, Settings
from app.core.assistant import Assistant, load_home
from app.core.failure import Failure
from app.listen.session import SessionSettings
from app.listen.vad import EndPointer
from app.listen.wake import WakeWordDetector
from app.serve.hub import Hub
from app.serve.loop import VoiceLoop, VoiceSettings
from app.serve.satellite import Satellite, SatelliteSettings
from app.speak.speaker import Speaker
from devices.mqtt import MqttLink
from tests.conftest import FIXTURES, Mosquitto, Subscriber, spoken

LAMPS = ("light.bedroom_lamp", "light.living_room_lamp")


def _typed() -> Assistant:
    settings = Settings(home_file=str(FIXTURES), topic_base="home", intents={"stage": "templates"})
    return Assistant(settings, load_home(settings))


@pytest.mark.fast
def test_which_one_is_asked_and_the_answer_picks() -> None:
    hearth = _typed()
    asked = hearth.handle("turn on the lamp", dry_run=True)
    assert asked.reply == "Which one: the Bedroom Lamp or the Living Room Lamp?"
    assert asked.failure is Failure.NEEDS_CHOICE and asked.follow_up and not asked.failed and not asked.messages
    picked = hearth.handle("the bedroom one", dry_run=True)
    assert (picked.decision.intent, picked.decision.targets) == ("HassTurnOn", ("light.bedroom_lamp",))
    hearth.handle("set the lamp to 40%", dry_run=True)
    both = hearth.handle("both of them", dry_run=True)
    assert (both.decision.targets, both.decision.data) == (LAMPS, {"brightness": 40})
    hearth.handle("open the curtain", dry_run=True)
    assert hearth.handle("no", dry_run=True).failure is Failure.DECLINED
    asked = hearth.handle("open the curtain", dry_run=True)
    assert asked.reply == "Which one: the Curtain Left, the Curtain Right or the Bedroom Curtain?"
    new = hearth.handle("turn on the garage light", dry_run=True)  # no answer: the question is dropped
    assert new.decision.targets == ("light.garage",)
    assert hearth.handle("the left one", dry_run=True).decision.intent is None  # nothing is open any more


@pytest.mark.fast
def test_a_part_of_a_name_that_fits_one_device_is_that_device() -> None:
    hearth = _typed()
    # The ceiling *light* is the kitchen's; the ceiling fan is not a light.
    assert hearth.handle("turn on the ceiling light", dry_run=True).decision.targets == ("light.kitchen_ceiling",)
    for never in ("don't turn on the lamp", "I turned on the lamp yesterday"):
        outcome = hearth.handle(never, dry_run=True)
        assert outcome.decision.intent is None and not outcome.follow_up, never


@pytest.mark.fast
def test_a_room_said_for_a_device_is_asked_about() -> None:
    hearth = _typed()
    assert hearth.handle("turn off the bedroom", dry_run=True).reply == \
        "Which one: the Bedroom Lamp or the Bedroom Switch?"  # the curtain does not turn off
    assert hearth.handle("the lamp", dry_run=True).decision.targets == ("light.bedroom_lamp",)
    assert hearth.handle("turn on the garage", dry_run=True).decision.targets == ("light.garage",)  # one fits
    # A kind said with the room is not only a room: Home Assistant's answer stands.
    assert hearth.handle("turn off the kitchen fan", dry_run=True).reply == \
        "Sorry, I am not aware of any fan in the Kitchen area"


@pytest.mark.fast
def test_a_sensitive_choice_is_still_confirmed() -> None:
    hearth = _typed()
    assert hearth.handle("unlock the door", dry_run=True).reply == \
        "Which one: the Front Door, the Back Door, the Side Door or the Sliding Doors?"
    question = hearth.handle("the back door", dry_run=True)
    assert question.awaiting_confirmation and question.reply == "Do you want me to unlock the Back Door? Say yes to confirm."
    done = hearth.handle("yes", dry_run=True)
    assert (done.decision.intent, done.decision.targets) == ("HassTurnOff", ("lock.back_door",))


@pytest.mark.fast
def test_it_and_them_are_what_the_site_last_acted_on() -> None:
    hearth = _typed()
    hearth.handle("turn on the bedroom lamp", site="bedroom_sat", dry_run=True)
    hearth.handle("turn on the lights in the kitchen", site="kitchen_sat", dry_run=True)
    off = hearth.handle("turn it off", site="bedroom_sat", dry_run=True)
    assert (off.decision.intent, off.decision.targets) == ("HassTurnOff", ("light.bedroom_lamp",))
    them = hearth.handle("turn them off", site="kitchen_sat", dry_run=True)
    assert them.decision.targets == ("light.kitchen_countertop", "light.kitchen_ceiling", "light.kitchen_cabinets")
    assert hearth.handle("is it on", site="bedroom_sat", dry_run=True).decision.intent == "HassGetState"
    assert hearth.handle("turn it off", site="office", dry_run=True).decision.intent is None  # nothing said there yet


def _wait(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


def test_a_spoken_dialog_continues_without_the_wake_word(tts, stt, mosquitto: Mosquitto) -> None:
    settings = Settings(home_file=str(FIXTURES), topic_base="home", mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port),
                        homeassistant={"announce": False, "import_devices": False})
    watcher = Subscriber(mosquitto.port, "home/#")
    audio = spoken(tts, 1.0, "okay nabu", 0.5, "turn on the lamp", 4.5, "the living room one", 1.5)
    with MqttLink(settings.mqtt, "hearth-dialog") as link:
        assert _wait(lambda: link.connected)
        outcomes = {}
        for follow_up in (5.0, 0.0):
            sink = NullSink()
            loop = VoiceLoop(Assistant(settings, load_home(settings), link, stt), EndPointer(), WakeWordDetector(),
                             Speaker(tts, sink), sink, VoiceSettings(wait_for_replies=True, follow_up_seconds=follow_up,
                                                                     listening=SessionSettings(feedback_sounds=False)))
            outcomes[follow_up] = loop.run(frames(audio))
    received = watcher.collect(5, timeout=2)
    watcher.close()
    asked, answered = outcomes[5.0]
    assert asked.reply == "Which one: the Bedroom Lamp or the Living Room Lamp?"
    assert (answered.decision.intent, answered.decision.targets, answered.published) == \
        ("HassTurnOn", ("light.living_room_lamp",), True)
    assert received == [("home/light/living_room_lamp/set", '{"state": "ON"}')]
    assert [o.failure for o in outcomes[0.0]] == [Failure.NEEDS_CHOICE]  # no follow-up: the answer needs the wake word


def test_a_satellite_listens_for_the_answer_to_the_hubs_question(tmp_path: Path, tts, stt, mosquitto: Mosquitto) -> None:
    settings = Settings(home_file=str(FIXTURES), topic_base="home", mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port),
                        sites={"hall_sat": "guest_room_id"}, homeassistant={"announce": False, "import_devices": False})
    watcher = Subscriber(mosquitto.port, "home/#")
    hub_link, satellite_link = MqttLink(settings.mqtt, "dialog-hub"), MqttLink(settings.mqtt, "dialog-satellite")
    hub = Hub(Assistant(settings, load_home(settings), hub_link, stt), Speaker(tts, NullSink()), hub_link, "hearth")
    exchanges = []
    satellite = Satellite(satellite_link, SatelliteSettings("hall_sat", listening=SessionSettings(feedback_sounds=False)),
                          EndPointer(), WakeWordDetector(), NullSink(), exchanges.append)
    hub.start()
    satellite.start()
    hub_link.start()
    satellite_link.start()
    try:
        assert _wait(lambda: hub_link.connected and satellite_link.connected)
        satellite.run(frames(spoken(tts, 1.0, "okay nabu", 0.5, "turn on the lamp", 2.0, "the bedroom one", 1.5)))
    finally:
        hub.stop()
        hub_link.close()
        satellite_link.close()
    received = watcher.collect(5, timeout=2)
    watcher.close()
    assert [e.text for e in exchanges][0] == "Which one: the Bedroom Lamp or the Living Room Lamp?"
    assert len(exchanges) == 2 and received == [("home/light/bedroom_lamp/set", '{"state": "ON"}')]


def test_held_out_dialogs() -> None:
    """tests/data/dialogs_heldout.yaml, written before tuning: scored 9/12 then, 11/12 now, never a wrong action
    (with the LLM stage, which reads "now turn the Bedroom Lamp off" once "it" is filled in)."""
    import yaml

    settings = Settings(home_file=str(FIXTURES), topic_base="home")
    hearth = Assistant(settings, load_home(settings))
    dialogs = yaml.safe_load((Path(__file__).parent / "data" / "dialogs_heldout.yaml").read_text())["dialogs"]
    right = wrong = 0
    for n, dialog in enumerate(dialogs):
        ok = True
        for turn in dialog:
            outcome = hearth.handle(turn["say"], site=f"room{n}", dry_run=True)
            if "ask" in turn:
                names = [hearth.home.entity(e).name for e in turn["ask"]]
                good = outcome.failure is Failure.NEEDS_CHOICE and all(name in outcome.reply for name in names)
            else:
                intent = None if turn["intent"] == "none" else turn["intent"]
                good = outcome.decision.intent == intent and (
                    intent is None or sorted(outcome.decision.targets) == sorted(turn["targets"]))
                wrong += not good and outcome.decision.acts
            ok = ok and good
        right += ok
    assert (right, wrong) == (11, 0)
