"""Timers run by Hearth, on a clock the test controls: started, changed, finished, rung, kept over a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import Settings
from app.core.assistant import Assistant, load_home
from app.timers.book import TimerBook, TimerError, rounded_hms
from app.timers.service import TimerService
from tests.conftest import FIXTURES

pytestmark = pytest.mark.fast


class Clock:
    """Wall-clock seconds that move only when the test says."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _assistant(clock: Clock, path: Path | None = None, language: str = "en", **timers: object) -> Assistant:
    settings = Settings(home_file=str(FIXTURES), topic_base="home", intents={"stage": "templates"},
                        sites={"kitchen_sat": "kitchen_id"}, timers=timers).with_language(language)
    service = TimerService(settings.timers, path, clock)
    return Assistant(settings, load_home(settings), timers=service)


class Rings:
    """Records what the service announces."""

    def __init__(self, assistant: Assistant) -> None:
        self.said: list[tuple[str, str]] = []
        assert assistant.timers is not None
        assistant.timers.ringer = lambda timer, count: self.said.append((timer.site, assistant.announcement(timer)))

    def take(self) -> list[tuple[str, str]]:
        said, self.said = self.said, []
        return said


def _tick(assistant: Assistant, clock: Clock, seconds: float) -> None:
    clock.advance(seconds)
    assert assistant.timers is not None
    assistant.timers.tick()


def test_a_kitchen_evening_with_timers() -> None:
    clock = Clock()
    hearth = _assistant(clock)
    rings = Rings(hearth)

    def say(text: str, site: str = "kitchen_sat") -> str:
        return hearth.handle(text, site=site).reply

    assert say("how long is left on the timer") == "No timers."
    assert say("cancel the timer") == "Sorry, I couldn't find that timer"
    assert say("set a timer for 10 minutes") == "Timer set for 10 minutes"
    assert say("set a timer for 5 minutes named pasta") == "Timer set for 5 minutes named pasta"
    assert say("cancel the timer") == "Sorry, I am unable to target multiple timers"
    assert say("how long is left on the pasta timer") == "5 minutes left."
    assert say("add 2 minutes to the pasta timer") == "2 minutes added to timer named pasta"
    _tick(hearth, clock, 100)
    assert say("how long is left on the pasta timer") == "5 minutes and 30 seconds left."
    assert say("pause the pasta timer") == "Timer paused"
    _tick(hearth, clock, 1000)  # paused: the pasta timer does not end; the 10 minute one does
    assert rings.take() == [("kitchen_sat", "Your 10 minute timer is done")]
    assert say("stop") == ""  # the ringing stops; nothing else happens
    _tick(hearth, clock, 30)
    assert rings.take() == []
    assert say("how long is left on the timer") == "Timer is paused. 5 minutes and 30 seconds left."
    assert say("resume the timer") == "Timer resumed"
    assert say("remove 5 minutes from the pasta timer") == "5 minutes removed from timer named pasta"
    _tick(hearth, clock, 19)  # 20 s were left
    assert rings.take() == []
    _tick(hearth, clock, 1)
    assert rings.take() == [("kitchen_sat", "Your 5 minute pasta timer is done")]
    _tick(hearth, clock, 10)
    _tick(hearth, clock, 10)
    _tick(hearth, clock, 10)  # three rings in all, then silence without a "stop"
    assert rings.take() == [("kitchen_sat", "Your 5 minute pasta timer is done")] * 2
    assert say("cancel all timers") == "No timers were canceled."


def test_several_timers_per_site_and_which_one_is_meant() -> None:
    clock = Clock()
    hearth = _assistant(clock)
    hearth.handle("set a timer for 3 minutes", site="kitchen_sat")
    hearth.handle("set a timer for 20 minutes", site="bedroom")
    # "The timer" to cancel is the asking site's own; a status names the one ending first.
    assert hearth.handle("how much time is left on my timer", site="kitchen_sat").reply == \
        "2 running timers. 3 minutes left on 3 minute Kitchen timer."
    assert hearth.handle("cancel my timer", site="bedroom").reply == "Timer cancelled"
    assert [t.seconds for t in hearth.timers.timers()] == [180]
    hearth.handle("set a timer for 8 minutes", site="bedroom")
    assert hearth.handle("cancel the 8 minute timer", site="kitchen_sat").reply == "Timer cancelled"
    assert hearth.handle("cancel all timers").reply == "Canceled 1 timer."


def test_timers_that_cannot_be() -> None:
    clock = Clock()
    hearth = _assistant(clock, max_hours=2, max_timers=2)
    outcome = hearth.handle("set a timer for 3 hours")
    assert outcome.reply == "Sorry, a timer can be at most 2 hours long" and outcome.failed
    hearth.handle("set a timer for 1 minute")
    hearth.handle("set a timer for 2 minutes")
    assert hearth.handle("set a timer for 3 minutes").reply == "Sorry, there are too many timers already"
    assert hearth.handle("unlock the front door in 5 minutes").reply == \
        "Sorry, I only do that right away, when you can confirm it"
    assert len(hearth.timers.timers()) == 2
    without = Assistant(Settings(home_file=str(FIXTURES), intents={"stage": "templates"}),
                        load_home(Settings(home_file=str(FIXTURES))))
    assert without.handle("set a timer for 5 minutes").reply == "Sorry, timers are not supported on this device"
    dry = _assistant(clock)
    assert dry.handle("set a timer for 5 minutes", dry_run=True).reply == "Timer set for 5 minutes"
    assert dry.timers.timers() == ()  # a dry run changes nothing


def test_a_restart_keeps_timers_and_accounts_for_the_time_off(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "state" / "timers.json"
    before = _assistant(clock, path)
    before.handle("set a timer for 30 minutes named roast")
    before.handle("set a timer for 2 minutes")
    before.handle("set a timer for 1 hour")
    before.handle("pause the 1 hour timer")
    assert json.loads(path.read_text())["format"] == 1
    clock.advance(10 * 60)  # Hearth is off for ten minutes
    after = _assistant(clock, path)
    rings = Rings(after)
    assert after.handle("how long is left on the roast timer").reply == "20 minutes left."
    assert after.handle("how long is left on the 1 hour timer").reply == "Timer is paused. 1 hour left."
    after.timers.tick()  # the 2 minute timer ended while Hearth was off: it rings now
    assert rings.take() == [("hearth", "Your 2 minute timer is done")]
    clock.advance(3 * 3600)  # off again, for longer than timers.missed_seconds
    late = _assistant(clock, path)
    Rings(late)
    late.timers.tick()
    assert [t.name for t in late.timers.timers()] == [None]  # the roast ended long ago: dropped; the paused one stays


def test_an_unreadable_timers_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "timers.json"
    path.write_text("{not json")
    hearth = _assistant(Clock(), path)
    assert hearth.timers.timers() == ()
    assert (tmp_path / "timers.json.bad").read_text() == "{not json"
    hearth.handle("set a timer for 1 minute")
    assert len(json.loads(path.read_text())["timers"]) == 1


def test_timer_rules_as_home_assistant_has_them() -> None:
    assert rounded_hms(1, 50, 30) == (2, 0, 0) and rounded_hms(1, 25, 0) == (1, 30, 0)
    assert rounded_hms(0, 1, 50) == (0, 2, 0) and rounded_hms(0, 0, 55) == (0, 1, 0)
    assert rounded_hms(0, 0, 9) == (0, 0, 9) and rounded_hms(0, 0, 37) == (0, 0, 30)
    clock = Clock()
    book = TimerBook(clock)
    pizza = book.start("kitchen", 600, "Pizza", "Kitchen")
    book.start("bedroom", 600, None, "Bedroom")
    assert book.find({"name": "pizza "}, "office") == pizza  # names compare as Home Assistant normalises them
    assert book.find({"area": "kitchen"}, "office") == pizza
    assert book.find({}, "kitchen") == pizza  # two timers: the asking site's
    with pytest.raises(TimerError, match="multiple_timers_matched"):
        book.find({"start_minutes": 10}, "office")
    with pytest.raises(TimerError, match="timer_not_found"):
        book.find({"name": "cake"}, "kitchen")
    book.add(pizza, -10_000)
    assert [t.name for t in book.due()] == ["Pizza"]  # taken below zero: ends now
    assert book.next_end() == clock() + 600


def test_chinese_timers_speak_chinese() -> None:
    clock = Clock()
    hearth = _assistant(clock, language="zh-cn")
    rings = Rings(hearth)
    assert hearth.handle("计时10分钟").reply == "收到命令"  # Home Assistant's zh-CN response
    assert hearth.handle("暂停计时器").reply == "已暂停"
    assert hearth.handle("继续计时器").reply == "计时已恢复"
    _tick(hearth, clock, 600)
    assert rings.take() == [("hearth", "10分钟的计时器时间到了")]
    assert hearth.handle("停止计时器").reply == "抱歉，我找不到那个定时器"


def test_what_time_and_date_it_is_and_never_mind() -> None:
    hearth = _assistant(Clock())
    time_reply = hearth.handle("what time is it").reply
    assert time_reply.endswith(("AM", "PM")) and ":" in time_reply
    assert hearth.handle("what's the date").reply.split()[0] in (
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December")
    assert hearth.handle("never mind").reply == ""


def test_the_weather_from_a_weather_entity() -> None:
    hearth = _assistant(Clock())
    assert hearth.handle("what's the weather").reply == "47 °F and raining"  # the home's first weather entity
    assert hearth.handle("what's the weather like in Los Angeles").reply == "76 °F and clear"
    settings = Settings(home_file=str(Path(__file__).parent.parent / "app" / "cli" / "demo_home.yaml"),
                        intents={"stage": "templates"})
    outcome = Assistant(settings, load_home(settings)).handle("what's the weather")
    assert outcome.reply == "Sorry, there is no weather entity in this home" and outcome.failed
