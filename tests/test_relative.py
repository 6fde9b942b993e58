"""Relative changes (#34): "dim the kitchen lights", "turn up the volume" step each target from its
known state; a target whose level is unknown is not guessed at. Hearth's own sentences are Home
Assistant's custom-sentence format, merged with its templates."""

from __future__ import annotations

import json

import pytest

from app.config import Settings
from app.core.assistant import Assistant
from app.core.delivery import build
from devices.registry import build_home, load_fixture_file
from devices.state import EntityState
from intents.canonical import answers, find_mentions
from intents.steps import StepWords, step_words
from intents.templates import (
    TemplateLanguageError,
    TemplateRecognizer,
    load_language,
    merge_sentences,
)
from intents.vocabulary import vocabulary
from tests.conftest import DATA

pytestmark = pytest.mark.fast

HOME = build_home(load_fixture_file(DATA / "ha_intents_en" / "_fixtures.yaml"), topic_base="home")


def _assistant() -> Assistant:
    return Assistant(Settings(intents={"stage": "templates"}), HOME)


def _sent(assistant: Assistant, text: str, area: str = "") -> dict[str, object]:
    """What would be sent to each device (nothing is published)."""
    understood = assistant.understand(text, {"area": area} if area else {})
    assert understood.decision.error is None, understood.decision.error
    return {m.entity_id: json.loads(m.payload) if m.payload.startswith("{") else m.payload
            for m in build(understood.decision, assistant.home).messages}


def test_each_light_is_stepped_from_its_own_level() -> None:
    assistant = _assistant()
    assistant.states.set("light.kitchen_countertop", EntityState("on", {"brightness": 255}))
    assistant.states.set("light.kitchen_ceiling", EntityState("on", {"brightness": 51}))  # 20%
    assistant.states.set("light.kitchen_cabinets", EntityState("off"))
    sent = _sent(assistant, "dim the kitchen lights")
    # 100% - 25 = 75% (191 of 255); 20% - 25 stays on at 1%; an off light stays off.
    assert sent == {"light.kitchen_countertop": {"state": "ON", "brightness": 191},
                    "light.kitchen_ceiling": {"state": "ON", "brightness": 3},
                    "light.kitchen_cabinets": {"state": "OFF", "brightness": 0}}
    sent = _sent(assistant, "brighten the kitchen ceiling by 30 percent")
    assert sent == {"light.kitchen_ceiling": {"state": "ON", "brightness": 128}}  # 20% + 30%


def test_the_lights_of_the_room_the_speaker_is_in() -> None:
    assistant = _assistant()
    sent = _sent(assistant, "make the lights brighter", area="Garage")
    assert sent == {"light.garage": {"state": "ON", "brightness": 255}}


def test_volume_steps_by_ten_or_by_what_was_said() -> None:
    assistant = _assistant()
    assistant.states.set("media_player.tv", EntityState("playing", {"volume_level": 0.5}))
    assert _sent(assistant, "increase the TV volume") == {"media_player.tv": "60"}
    assert _sent(assistant, "decrease the TV volume by 35 percent") == {"media_player.tv": "15"}


def test_an_unknown_level_is_not_guessed() -> None:
    assistant = _assistant()
    assistant.states.set("media_player.tv", EntityState("playing", {"source": "HDMI 1"}))  # no volume reported
    outcome = assistant.handle("increase the TV volume", site="test", dry_run=True)
    assert outcome.failure is not None and not outcome.messages
    assert outcome.reply == "I don't know the current volume of TV"


def test_hearth_sentences_never_replace_home_assistants() -> None:
    data = load_language("en")
    assert "brightness_step_up" in data["lists"]
    with pytest.raises(TemplateLanguageError, match="brightness"):
        merge_sentences(data, {"lists": {"brightness": {"values": ["x"]}}}, "custom.yaml")


def test_a_number_without_by_is_a_level_not_a_step() -> None:
    """unseen_commands_2: "make the living room lamp brighter, 80 percent" means 80%, not 80% more."""
    understood = _assistant().understand("make the living room lamp brighter, 80 percent")
    assert "brightness_step" not in understood.decision.data


def test_responses_are_added_per_intent_and_never_replaced() -> None:
    data = load_language("en")
    merged = merge_sentences(data, {"responses": {"intents": {"HassLightSet": {"dimmed": "Dimmed"}}}}, "c.yaml")
    assert merged["responses"]["intents"]["HassLightSet"]["dimmed"] == "Dimmed"
    assert merged["responses"]["intents"]["HassLightSet"]["brightness"] == data["responses"]["intents"]["HassLightSet"]["brightness"]
    with pytest.raises(TemplateLanguageError, match="HassLightSet.brightness"):
        merge_sentences(data, {"responses": {"intents": {"HassLightSet": {"brightness": "x"}}}}, "c.yaml")


def _steps(language: str, extra: dict | None = None) -> StepWords:
    """What a language's templates (with ``extra`` custom sentences merged) say about steps."""
    data = load_language(language)
    if extra is not None:
        data = merge_sentences(data, extra, "test")
    return step_words(TemplateRecognizer(HOME, language, data).intents, vocabulary(language).words)


def test_the_directions_of_a_step_are_the_templates_own_words() -> None:
    steps = _steps("en")
    light, volume = steps.directions["brightness_step"], steps.directions["volume_step"]
    assert {"dim", "darker", "lower"} <= light["down"] and {"brighten", "brighter", "raise"} <= light["up"]
    assert not light["up"] & light["down"] and volume == {"up": {"increase"}, "down": {"decrease"}}
    # A word of a phrase is no cue: "less" of "less bright" ("less dark" is no step down), "up" of "turn up";
    # nor one the templates may leave out: "up" of "brighten [up]" ("bedroom lamp up" may be "off" misheard).
    assert "less" not in light["down"] and "bright" not in light["down"] and "up" not in volume["up"]
    assert "up" not in light["up"] and "down" not in light["down"]
    assert steps.cues("light", "down", marked=True) == light["down"] | {"down"}  # "down by 50 percent"
    assert _steps("zh-cn").directions == {}  # its templates have no relative steps: none offered
    # The user's own step sentences add their words.
    mine = {"language": "en", "intents": {"HassLightSet": {"data": [
        {"sentences": ["boost <name>"], "slots": {"brightness_step": "up"}, "requires_context": {"domain": "light"}}]}}}
    assert "boost" in _steps("en", mine).directions["brightness_step"]["up"]
    # What a number is, by the word before it in the templates: "by 40" a step, "to 40" a level.
    assert steps.number_is("light", {"by"}) == (True, False) == steps.number_is("media_player", {"by"})
    assert steps.number_is("light", {"to"}) == (False, True) and steps.number_is("light", set()) == (True, True)


def test_a_step_is_offered_to_the_model_only_in_the_direction_said() -> None:
    en, steps = vocabulary("en"), _steps("en")

    def offered(text: str) -> list[str]:
        return answers(find_mentions(text, HOME, en), HOME, None, text, en, en.is_question(text), steps)

    brighter = offered("make the bedroom lamp a bit brighter")
    assert "brighten Bedroom Lamp" in brighter and "dim Bedroom Lamp" not in brighter
    lower = offered("lower the garage light by 40 percent")
    assert "dim Garage Light by 40%" in lower and "brighten Garage Light by 40%" not in lower
    assert "set Garage Light brightness to 40%" not in lower  # "by 40" is no level
    assert "set Garage Light brightness to 40%" in offered("lower the garage light to 40 percent")
    assert "dim Garage Light by 40%" not in offered("lower the garage light to 40 percent")
    by_twenty = offered("decrease the volume of the tv by 20")
    assert "decrease TV volume by 20%" in by_twenty and "set TV volume to 20%" not in by_twenty
    assert not any(a.startswith(("brighten", "dim")) for a in offered("the bedroom lamp please"))
    assert not any(a.startswith(("brighten", "dim")) for a in offered("bedroom lamp up"))  # "off" misheard?
    assert "dim the lights in the Kitchen by 50%" in offered("kitchen lights down by 50 percent")
    # Each offered step is a sentence the templates read as the step it says.
    templates = TemplateRecognizer(HOME, "en")
    for text, step in (("brighten Bedroom Lamp", "up"), ("dim Garage Light by 40%", -40.0),
                       ("decrease TV volume by 20%", -20.0), ("increase TV volume", "up")):
        slots = templates.recognize(text).slots
        assert step in (slots.get("brightness_step"), slots.get("volume_step")), (text, slots)
