"""A length said in several parts is one length (#31, #34): "一个一个小时十五分钟" and "one hour and fifteen
minutes" start a timer of 1 h 15 min, never one of 15 minutes (a part alone drops what was said)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.core.assistant import Assistant
from app.serve.timers import serve_timers
from devices.registry import build_home, load_fixture_file
from intents.vocabulary import vocabulary
from tests.conftest import FIXTURES, HA_TESTS_ZH


@pytest.mark.fast
def test_a_number_said_twice_before_a_unit_is_an_amount() -> None:
    zh = vocabulary("zh-cn")
    assert zh.durations("设置一个一个小时十五分钟的计时器") == [(1, "hours"), (15, "minutes")]
    assert zh.numbers("客厅黑七七") == set()  # "pitch black" misheard: still no amount
    assert zh.durations("设一个五五分钟") == [(5, "minutes")]


@pytest.mark.parametrize("language, fixtures, text", [
    ("zh-cn", HA_TESTS_ZH / "_fixtures.yaml", "设置一个一个小时十五分钟的计时器"),
    ("en", FIXTURES, "I need a timer, one hour and fifteen minutes please"),
    ("en", FIXTURES, "could you time one hour 15 minutes for me"),
])
def test_the_whole_length_is_the_timer(language: str, fixtures: Path, text: str, tmp_path: Path) -> None:
    home = build_home(load_fixture_file(fixtures), topic_base="home")
    assistant = Assistant(Settings(intents={"language": language}, timers={"file": str(tmp_path / "t.json")}), home)
    serve_timers(assistant, lambda site, words: None)
    outcome = assistant.handle(text)
    assert outcome.failure is None and [t.seconds for t in assistant.timers.timers()] == [4500], outcome
