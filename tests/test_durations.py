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


def test_a_timer_called_by_its_length_is_that_timer_never_a_new_one(tmp_path: Path) -> None:
    """"把一小时的计时器增加五分钟" reads 一小时的 as a name; no timer is called that, so it is the timer that
    started with an hour (#31: it once started a new five-minute timer)."""
    home = build_home(load_fixture_file(HA_TESTS_ZH / "_fixtures.yaml"), topic_base="home")
    assistant = Assistant(Settings(intents={"language": "zh-cn", "stage": "templates"},
                                   timers={"file": str(tmp_path / "t.json")}), home)
    serve_timers(assistant, lambda site, words: None)
    for text in ("计时1小时", "计时10分钟"):
        assert assistant.handle(text).failure is None
    hour, ten = sorted(assistant.timers.timers(), key=lambda t: -t.seconds)
    for text, change in (("把一小时的计时器增加五分钟", 300), ("把1小时的计时器减少10分钟", -600)):
        outcome = assistant.handle(text)
        assert outcome.failure is None, outcome.reply
        after = {t.id: t for t in assistant.timers.timers()}
        assert len(after) == 2 and after[ten.id].ends_at == ten.ends_at  # no new timer, the other untouched
        assert round(after[hour.id].ends_at - hour.ends_at) == change
        hour = after[hour.id]
    assert assistant.handle("取消一小时的计时器").failure is None
    assert [t.id for t in assistant.timers.timers()] == [ten.id]
