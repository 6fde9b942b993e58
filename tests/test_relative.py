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
from intents.templates import TemplateLanguageError, load_language, merge_sentences
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
