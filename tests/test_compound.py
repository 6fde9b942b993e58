"""Two commands in one sentence (#34): each clause a command of its own, all or nothing, never cut
inside a name, a sensitive one still asked about. Real assistant (templates only), no broker needed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.config import Settings
from app.core.assistant import Assistant
from app.core.failure import Failure
from devices.entity_config import MqttEntityConfig
from devices.registry import Entity, build_home, load_fixture_file
from tests.conftest import FIXTURES, HA_TESTS_ZH

FIXTURES_ZH = HA_TESTS_ZH / "_fixtures.yaml"

BASE = build_home(load_fixture_file(FIXTURES), topic_base="home")
SALT = Entity(id="light.salt_and_pepper", name="Salt and Pepper Lamp", area_id="kitchen_id",
              mqtt=MqttEntityConfig(command_topic="home/light/salt_and_pepper/set", schema="json"))
HOME = replace(BASE, entities=(*BASE.entities, SALT))


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return Assistant(Settings(intents={"stage": "templates"}), HOME)


def _sent(outcome) -> list[tuple[str, str]]:
    return [(m.topic, m.payload) for m in outcome.messages]


def test_two_commands_are_both_done_in_order(assistant: Assistant) -> None:
    outcome = assistant.handle("turn off the garage light and then turn on the kitchen ceiling", dry_run=True)
    assert outcome.failure is None
    assert _sent(outcome) == [("home/light/garage/set", '{"state": "OFF"}'),
                              ("home/light/kitchen_ceiling/set", '{"state": "ON"}')]
    assert outcome.reply == "Turned off the light. Turned on the light"
    outcome = assistant.handle("close the bedroom curtain, then turn off the ceiling fan", dry_run=True)
    assert [topic for topic, _ in _sent(outcome)] == ["home/cover/bedroom/set", "home/fan/ceiling/set"]


def test_a_clause_not_understood_does_nothing(assistant: Assistant) -> None:
    for text in ("turn off the garage light and make it snow", "turn off the garage light and the",
                 "don't turn off the garage light and turn on the kitchen ceiling",
                 "turn off the garage light and is the front door locked"):
        outcome = assistant.handle(text, dry_run=True)
        assert outcome.messages == () and outcome.failure is Failure.NOT_UNDERSTOOD, text


def test_a_clause_the_home_cannot_do_refuses_the_whole_with_its_reason(assistant: Assistant) -> None:
    outcome = assistant.handle("turn off the garage light and close the kitchen curtains", dry_run=True)
    assert outcome.messages == () and outcome.failure is Failure.NOT_POSSIBLE
    assert outcome.reply == "Sorry, I am not aware of any curtain in the Kitchen area"


def test_a_name_with_and_is_not_cut(assistant: Assistant) -> None:
    outcome = assistant.handle("turn on the salt and pepper lamp", dry_run=True)
    assert _sent(outcome) == [("home/light/salt_and_pepper/set", '{"state": "ON"}')]
    outcome = assistant.handle("turn on the salt and pepper lamp and turn off the garage light", dry_run=True)
    assert _sent(outcome) == [("home/light/salt_and_pepper/set", '{"state": "ON"}'),
                              ("home/light/garage/set", '{"state": "OFF"}')]


def test_a_sensitive_clause_is_asked_about_by_the_conversation_that_said_it(assistant: Assistant) -> None:
    outcome = assistant.handle("turn off the garage light and unlock the front door", dry_run=True,
                               conversation="compound")
    assert _sent(outcome) == [("home/light/garage/set", '{"state": "OFF"}')]  # the unlock waits for a yes
    assert outcome.failure is Failure.NEEDS_CONFIRMATION and "unlock the Front Door" in outcome.reply
    assert assistant.handle("yes", dry_run=True, conversation="elsewhere").messages == ()
    confirmed = assistant.handle("yes", dry_run=True, conversation="compound")
    assert _sent(confirmed) == [("home/lock/front_door/set", "UNLOCK")]


def test_with_the_llm_stage_both_clauses_are_still_done() -> None:
    """The whole sentence goes to the LLM stage first (the templates find nothing); its reading is one
    command at best, so the clauses, each read by the templates, are what is done."""
    both = Assistant(Settings(), HOME)
    outcome = both.handle("turn off the garage light and turn on the ceiling fan", dry_run=True)
    assert _sent(outcome) == [("home/light/garage/set", '{"state": "OFF"}'), ("home/fan/ceiling/set", "ON")]


def test_chinese_clauses_are_cut_at_its_own_conjunctions() -> None:
    home = build_home(load_fixture_file(FIXTURES_ZH), topic_base="home")
    chinese = Assistant(Settings(intents={"stage": "templates", "language": "zh-cn"}), home)
    outcome = chinese.handle("打开厨房灯然后关闭车库灯", dry_run=True)
    assert [topic for topic, _ in _sent(outcome)] == ["home/light/kitchen_ceiling/set", "home/light/garage/set"]
    assert outcome.reply == "厨房灯已打开，车库灯已关闭"
    assert chinese.handle("打开厨房灯然后今天天气", dry_run=True).messages == ()


def test_spoken_two_commands_are_both_done(tts, stt) -> None:
    """Heard through Hearth's speech-to-text (Piper's voice, Whisper tiny.en): the same as typed."""
    from app.audio.inputs import to_float
    from tests.conftest import spoken

    hearth = Assistant(Settings(intents={"stage": "templates"}), HOME, stt=stt)
    outcome = hearth.handle_speech(to_float(spoken(tts, 0.3, "turn off the garage light and turn on the ceiling fan",
                                                   0.5)), dry_run=True)
    assert _sent(outcome) == [("home/light/garage/set", '{"state": "OFF"}'), ("home/fan/ceiling/set", "ON")], \
        outcome.text
