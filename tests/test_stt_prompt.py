"""Priming speech-to-text with the home's words: the prompt, and what it changes in what is heard."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.audio.inputs import to_float
from app.bench.clips import command_clip
from app.config import Settings
from app.core.assistant import Assistant
from app.stt.prompt import home_prompt
from devices.registry import Area, Entity, Home, build_home, load_fixture_file
from intents.vocabulary import vocabulary
from tests.conftest import FIXTURES

EN = vocabulary("en")


@pytest.fixture(scope="module")
def home() -> Home:
    return build_home(load_fixture_file(FIXTURES), topic_base="home")


def test_prompt_has_a_command_per_kind_of_device_and_the_rooms(home: Home) -> None:
    prompt = home_prompt(home, EN)
    assert prompt.startswith("Turn on the lights in the bedroom. Turn off the living room fan.")
    assert "Lock the" in prompt and "temperature" in prompt and "brightness" in prompt
    for room in ("Garage", "First Floor", "Basement"):
        assert room in prompt
    assert "pause" not in prompt.lower()  # "unpause" would be heard as "pause"
    assert "sensor" not in prompt.lower()  # only things people command
    assert len(prompt.split()) <= 60


def test_prompt_follows_what_the_home_has() -> None:
    lights_only = Home(areas=(Area("den", "Den"),), entities=(Entity("light.reading", "Reading Lamp", area_id="den"),))
    assert home_prompt(lights_only, EN) == "Turn on the lights in the den. Set the den brightness to 50%. Reading Lamp."
    assert home_prompt(Home(), EN) == ""
    unplaced = Home(entities=(Entity("fan.attic", "Attic Fan"),))
    assert home_prompt(unplaced, EN) == "Turn off the fan. Attic Fan."
    # The room's words are the language's: German says "in {area}", not " in the {area}".
    unplaced_light = Home(entities=(Entity("light.flur", "Flurlicht"),))
    assert home_prompt(unplaced_light, vocabulary("de")).startswith("Schalte das Licht ein.")
    assert len(home_prompt(lights_only, EN, max_words=10).split()) <= 10


def test_assistant_primes_with_its_home_or_the_configured_text(home: Home) -> None:
    assert Assistant(Settings(), home).view.stt_prompt == home_prompt(home, EN)
    assert Assistant(Settings(stt={"prompt": ""}), home).view.stt_prompt == ""
    assert Assistant(Settings(stt={"prompt": "Hearth, Aga."}), home).view.stt_prompt == "Hearth, Aga."
    assistant = Assistant(Settings(), home)
    grown = replace(home, areas=(*home.areas, Area("conservatory", "Conservatory")),
                    entities=(*home.entities, Entity("light.palm", "Palm Light", area_id="conservatory")))
    assistant.offer_home(grown)
    assert assistant.wait_for_home()
    assistant.understand("turn on the palm light")  # a new home is taken up between utterances
    assert assistant.view.stt_prompt == home_prompt(grown, EN) and "Conservatory" in assistant.view.stt_prompt


def test_priming_makes_the_room_heard(home: Home, stt) -> None:
    # Unprimed, tiny.en hears this espeak-ng clip as "...in the man room to max", which no
    # template parses; primed with the home's rooms it hears "bedroom".
    samples = to_float(command_clip("set the brightness in the bedroom to max", espeak_voice="en-us", snr_db=20, seed=7))
    unprimed = Assistant(Settings(stt={"prompt": ""}, intents={"stage": "templates"}), home, stt=stt)
    primed = Assistant(Settings(intents={"stage": "templates"}), home, stt=stt)
    assert "bedroom" not in next(iter(unprimed.hear(samples))).lower()
    heard = next(iter(primed.hear(samples)))
    assert "bedroom" in heard.lower()
    decision = primed.understand(heard).decision
    assert decision.intent == "HassLightSet" and decision.targets == ("light.bedroom_lamp",)


def test_a_prompt_longer_than_whisper_reads_keeps_its_end(stt) -> None:
    plain = stt._start("")
    assert plain == [*stt._tokenizer.sot_sequence, stt._tokenizer.no_timestamps]
    start = stt._start("kitchen " * 400 + "pantry")
    assert len(start) == 1 + 223 + len(plain) and start[0] == stt._tokenizer.sot_prev and start[-len(plain):] == plain
    assert stt._tokenizer.decode(start[1:-len(plain)]).strip().endswith("pantry")
