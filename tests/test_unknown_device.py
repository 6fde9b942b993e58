"""A command about a device the home lacks is answered as Home Assistant answers it (#32): "Sorry, I am not
aware of any device called sprinklers", nothing sent, never another device in its place; what is no command
(a remark, "the left one", "turn it off" with nothing before it, a negation) stays not understood."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.core.assistant import Assistant
from app.core.failure import Failure
from devices.registry import build_home, load_fixture_file
from tests.conftest import FIXTURES

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return Assistant(Settings(intents={"stage": "templates"}), HOME)


@pytest.mark.fast
@pytest.mark.parametrize("text, name", [
    ("turn on the sprinklers", "sprinklers"),
    ("turn off the garden hose", "garden hose"),
    ("open the sprinklers", "sprinklers"),
    ("switch off the aquarium pump in the kitchen", "aquarium pump"),
])
def test_a_device_the_home_lacks_is_named_in_the_reply(assistant: Assistant, text: str, name: str) -> None:
    outcome = assistant.handle(text, dry_run=True)
    assert outcome.failure is Failure.NOT_POSSIBLE and outcome.messages == () and outcome.decision.targets == ()
    assert outcome.reply == f"Sorry, I am not aware of any device called {name}"


@pytest.mark.fast
@pytest.mark.parametrize("text", ["tell me a joke", "the left one", "too much sun in the guest room",
                                  "turn it off", "don't turn on the sprinklers", "the coffee was cold this morning",
                                  "turn up the heat"])  # "up the heat" is no device's name
def test_what_is_no_command_stays_not_understood(assistant: Assistant, text: str) -> None:
    outcome = assistant.handle(text, dry_run=True)
    assert outcome.failure is Failure.NOT_UNDERSTOOD and outcome.reply == "Sorry, I didn't understand that"


@pytest.mark.fast
def test_in_chinese_too() -> None:
    from tests.conftest import HA_TESTS_ZH

    zh = Assistant(Settings(intents={"stage": "templates", "language": "zh-cn"}),
                   build_home(load_fixture_file(HA_TESTS_ZH / "_fixtures.yaml"),
                              topic_base="home"))
    outcome = zh.handle("打开洒水器", dry_run=True)
    assert outcome.failure is Failure.NOT_POSSIBLE and outcome.messages == ()
    assert "洒水器" in outcome.reply
