"""A large home: the template stage narrows its name lists to what an utterance may contain, and
answers exactly as hassil does over the whole lists."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from hassil import recognize_best

from devices.registry import Area, Entity, Home, load_fixture_file
from intents.templates import TemplateRecognizer, said_names, to_recognition
from tests.conftest import DATA

pytestmark = pytest.mark.fast

#: The suites as this repository keeps them (the shared ones may differ in size).
SUITES = {"en": DATA / "ha_intents_en", "zh-cn": DATA / "ha_intents_zh_cn"}


def _padded(home: Home, count: int) -> Home:
    """``home`` with ``count`` more switches and areas whose names share words with its own
    ("Kitchen Plug 7", "Living Room 3"), so narrowing has work to do and a wrong cut would show."""
    words = sorted({w for e in home.entities for w in e.name.split()} | {w for a in home.areas for w in a.name.split()})
    extra = [Entity(f"switch.extra_{i}", f"{words[i % len(words)]} Plug {i}") for i in range(count)]
    areas = [Area(f"extra_{i}", f"{words[(i * 7) % len(words)]} {i}") for i in range(count // 4)]
    return dataclasses.replace(home, entities=(*home.entities, *extra), areas=(*home.areas, *areas))


@pytest.mark.parametrize("language", SUITES)
def test_narrowed_lists_change_no_answer(language: str) -> None:
    folder = SUITES[language]
    home = _padded(load_fixture_file(folder / "_fixtures.yaml"), 300)
    recognizer = TemplateRecognizer(home, language)
    sentences = [s for f in sorted(folder.glob("[!_]*.yaml")) for t in yaml.safe_load(f.read_text())["tests"]
                 for s in t["sentences"]][::4]
    assert len(sentences) > 50
    narrowed_somewhere = 0
    for text in sentences:
        whole = recognize_best(text, recognizer.intents, slot_lists=recognizer.slot_lists, intent_context={},
                               language=language, best_slot_name="name")
        assert recognizer.recognize(text) == to_recognition(whole), text
        narrowed_somewhere += len(said_names(recognizer.slot_lists, text)["name"].values) < 50
    assert narrowed_somewhere == len(sentences)


def test_a_name_said_across_a_space_is_kept() -> None:
    home = _padded(Home(entities=(Entity("light.living_room_lamp", "客厅灯"),)), 100)
    kept = said_names(TemplateRecognizer(home, "zh-cn").slot_lists, "打开客厅 灯")["name"].values
    assert [v.value_out for v in kept] == ["客厅灯"]


def test_a_plug_among_thousands_is_found() -> None:
    home = _padded(Home(entities=(Entity("light.garage", "Garage Light"),)), 3000)
    recognition = TemplateRecognizer(home, "en").recognize("turn on garage plug 2998")
    assert (recognition.intent, recognition.slots["name"]) == ("HassTurnOn", "Garage Plug 2998")
