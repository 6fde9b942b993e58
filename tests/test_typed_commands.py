"""Typed commands from Home Assistant's Command entity (#33): a flood is refused at once rather than
queued to act a minute later, a command that waited too long is dropped, and every command is answered
on the reply topic. A real Mosquitto; a real assistant (templates only, for speed)."""

from __future__ import annotations

import json
import threading
import time

from app.broker.commands import BURST, RATE, CommandIntake
from app.config import MqttSettings, Settings
from app.core.assistant import Assistant
from devices.mqtt import MqttLink
from devices.registry import build_home, load_fixture_file
from tests.conftest import FIXTURES, Mosquitto, Subscriber

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")


def _replies(subscriber: Subscriber, count: int, timeout: float = 10.0) -> list[dict]:
    return [json.loads(payload) for _, payload in subscriber.collect(count, timeout)]


def test_a_flood_is_refused_at_once_and_a_stale_command_is_not_carried_out(mosquitto: Mosquitto) -> None:
    now = [0.0]
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port), intents={"stage": "templates"})
    devices = Subscriber(mosquitto.port, "home/#")
    replies = Subscriber(mosquitto.port, "hearth/flood/reply")
    with MqttLink(settings.mqtt, "hearth-typed-test") as link:
        assistant = Assistant(settings, HOME, link)
        intake = CommandIntake(assistant, link, "flood", "hearth/flood/reply", size=4, max_wait=10.0,
                               clock=lambda: now[0])
        hold = threading.Event()
        handle = assistant.handle

        def slow_handle(*args, **kwargs):  # the first command keeps the worker busy while more arrive
            hold.wait(10)
            return handle(*args, **kwargs)

        assistant.handle = slow_handle  # type: ignore[method-assign]
        intake.start()
        intake.put("turn on the garage light")
        time.sleep(0.2)  # the worker has taken it and waits on ``hold``
        for i in range(10):
            intake.put(f"set the garage light to {i + 10} percent")
        busy = _replies(replies, 6)
        assert [r["failure"] for r in busy] == ["busy"] * 6 and not any(r["done"] for r in busy)
        now[0] = 60.0  # the four queued commands have now waited a minute
        hold.set()
        answered = _replies(replies, 5)
        assert answered[0]["done"] and answered[0]["reply"] == "Turned on the light"
        assert [r["failure"] for r in answered[1:]] == ["expired"] * 4
        assert devices.collect(2, timeout=1.0) == [("home/light/garage/set", '{"state": "ON"}')]
        intake.close()
    devices.close()
    replies.close()


def test_every_typed_command_is_answered(mosquitto: Mosquitto) -> None:
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port), intents={"stage": "templates"})
    replies = Subscriber(mosquitto.port, "hearth/answers/reply")
    with MqttLink(settings.mqtt, "hearth-typed-answers") as link:
        intake = CommandIntake(Assistant(settings, HOME, link), link, "answers", "hearth/answers/reply").start()
        for text in ("turn off the garage light", "what's the capital of France", "unlock the front door",
                     "lamp " * 200):
            intake.put(text)
        got = _replies(replies, 4)
        intake.close()
    replies.close()
    assert [(r["done"], r["failure"]) for r in got] == [
        (True, None), (False, "not_understood"), (False, "needs_confirmation"), (False, "bad_input")]
    assert got[2]["reply"] == "Do you want me to unlock the Front Door? Say yes to confirm."


def test_what_the_text_entity_cannot_send_takes_no_place_in_the_queue() -> None:
    """A flood of garbage on the command topic (#33) is refused on arrival, so it never crowds real
    commands out of the bounded queue: bytes that are not UTF-8, control characters, over 255 characters."""
    from app.broker.ha_device import HomeAssistantDevice

    class Link:
        handlers: dict = {}

        def set_will(self, topic, payload) -> None: ...

        def subscribe(self, topic, handler) -> None:
            self.handlers[topic] = handler

    link, taken = Link(), []
    device = HomeAssistantDevice(link, "den", "hearth", "homeassistant")  # type: ignore[arg-type]
    device.start(lambda muted: None, taken.append)
    command = link.handlers["hearth/den/command"]
    for garbage in (b"\xff\xfe\x00", b"turn on\x00the light", b"a" * 256, b"x" * 1_000_000, "\x1b[2J".encode(), b"  "):
        command("hearth/den/command", garbage)
    command("hearth/den/command", "  turn on the kitchen lights ".encode())
    assert taken == ["turn on the kitchen lights"]


def test_a_reply_made_while_the_broker_was_away_is_sent_when_it_is_back() -> None:
    """Every typed command is answered (#33): a reply made while the link was down waits for it."""
    class Link:
        connected = False
        sent: list = []
        back: list = []

        def when_connected(self, callback) -> None:
            self.back.append(callback)

        def publish(self, topic, payload, retain=False, wait=True) -> None:
            self.sent.append((topic, json.loads(payload)["reply"]))

    settings = Settings(intents={"stage": "templates"})
    link = Link()
    intake = CommandIntake(Assistant(settings, HOME), link, "den", "hearth/den/reply")  # type: ignore[arg-type]
    reply = intake._run("turn on the garage light")  # no broker configured for the assistant: a failure reply
    intake._answer(reply)
    assert link.sent == []
    link.connected = True
    for callback in link.back:
        callback()
    assert link.sent == [("hearth/den/reply", reply.reply)] and reply.reply


class _RecordingLink:
    """A connected link that keeps each reply it is given (what would go on the reply topic)."""

    connected = True

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def when_connected(self, callback) -> None:
        pass

    def publish(self, topic, payload, retain=False, wait=True) -> None:
        self.sent.append(json.loads(payload))


def test_a_command_that_would_wait_past_a_second_is_refused_at_once() -> None:
    """Under a flood of commands that each take time, the queue holds only what is done within a
    second at the recent pace (#33: replies 1.8 s late in a flood of 10,000 messages)."""
    now = [0.0]
    link = _RecordingLink()
    assistant = Assistant(Settings(intents={"stage": "templates"}), HOME)
    intake = CommandIntake(assistant, link, "den", "hearth/den/reply", clock=lambda: now[0])  # type: ignore[arg-type]
    hold, handle = threading.Event(), assistant.handle

    def slow_handle(*args, **kwargs):  # each command takes 1 s of the intake's clock
        hold.wait(10)
        now[0] += 1.0
        return handle(*args, **kwargs)

    assistant.handle = slow_handle  # type: ignore[method-assign]
    intake.start()
    for _ in range(5):  # learn the pace: five commands of 1 s (a moving average of 0.67 s)
        intake.put("what's the capital of France")
        hold.set()
        deadline = time.monotonic() + 10
        while intake._queue.qsize() or len(link.sent) < _ + 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    hold.clear()
    intake.put("what's the capital of France")
    time.sleep(0.2)  # the worker has taken it and waits on ``hold``
    for _ in range(3):  # two wait (up to 0.67 s), the third would wait 1.3 s
        intake.put("what's the capital of France")
    refused = [r for r in link.sent if r["failure"] == "busy"]
    assert len(refused) == 1 and len(link.sent) == 6
    hold.set()
    intake.close()


def test_a_stream_of_commands_is_taken_at_most_a_few_a_second() -> None:
    """Hundreds of printable lines a second on the command topic (the malformed flood of #33) are refused
    busy beyond a burst and a few a second: understanding each would take the network thread's time."""
    now = [0.0]
    link = _RecordingLink()
    intake = CommandIntake(Assistant(Settings(intents={"stage": "templates"}), HOME), link,  # type: ignore[arg-type]
                           "den", "hearth/den/reply", clock=lambda: now[0])  # not started: nothing is taken off
    for n in range(100):
        intake.put(f"junk {n}")
    assert intake._queue.qsize() == BURST and len(link.sent) == 100 - BURST
    assert {r["failure"] for r in link.sent} == {"busy"} and not any(r["done"] for r in link.sent)
    now[0] = 1.0  # a second later: RATE more fit (the queue has room for them)
    for n in range(10):
        intake.put(f"junk {n}")
    assert intake._queue.qsize() == BURST + int(RATE) and len(link.sent) == 100 - BURST + 10 - int(RATE)
