"""Timers in a running Hearth: the chime and announcement on the local speaker and on a satellite, a
delayed command on a real Mosquitto, the timer list and Home Assistant's sensor over MQTT."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import numpy as np

from app.audio.inputs import SAMPLE_RATE, frames, to_float
from app.audio.outputs import NullSink
from app.audio.tones import chime
from app.broker.connections import connect_home
from app.config import HomeAssistantSettings, MqttSettings, Settings
from app.core.assistant import Assistant, load_home
from app.listen.session import SessionSettings
from app.listen.vad import EndPointer
from app.serve.hub import Hub
from app.serve.loop import VoiceLoop, VoiceSettings
from app.serve.satellite import Satellite, SatelliteSettings
from app.serve.timers import serve_timers
from app.speak.speaker import Speaker
from app.speak.tts import resample
from devices.mqtt import MqttLink
from tests.conftest import FIXTURES, Mosquitto, Subscriber, spoken
from tests.test_timers import Clock


def _until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


def _settings(tmp_path: Path, port: int | None = None, **extra: object) -> Settings:
    mqtt = {"mqtt": MqttSettings(host="127.0.0.1", port=port)} if port else {}
    return Settings(home_file=str(FIXTURES), topic_base="home", sites={"kitchen_sat": "kitchen_id"},
                    timers={"file": str(tmp_path / "timers.json")}, **mqtt, **extra)


def _heard(stt, chunks: list) -> str:
    """What Hearth's own speech-to-text makes of audio that was played."""
    rate = chunks[0].sample_rate
    samples = np.concatenate([to_float(c.pcm) for c in chunks])
    return stt.transcribe(resample(samples, rate, SAMPLE_RATE)).hypotheses[0].lower()


def test_a_timer_rings_on_the_local_speaker_until_stop_is_said(tmp_path: Path, tts, stt) -> None:
    clock, sink = Clock(), NullSink()
    assistant = Assistant(_settings(tmp_path), load_home(_settings(tmp_path)), stt=stt)
    loop = VoiceLoop(assistant, EndPointer(), None, Speaker(tts, sink), sink,
                     VoiceSettings(wait_for_replies=True,
                                   listening=SessionSettings(always_listening=True, feedback_sounds=False)))
    service = serve_timers(assistant, lambda site, text: loop.announce(text), clock=clock)
    (outcome,) = loop.run(frames(spoken(tts, 0.3, "set a timer for one minute", 1.5)))
    assert outcome.reply in ("Timer set for 1 minute", "Timer set for one minute")  # as the transcript spells it
    assert [t.seconds for t in service.timers()] == [60]
    clock.advance(60)
    service.tick()
    sink.chunks.clear()
    loop.run(frames(spoken(tts, 0.3)))  # the frame thread plays the announcement between two frames
    assert sink.chunks[0].pcm == chime(tts.sample_rate).pcm
    heard = _heard(stt, sink.chunks[1:])
    assert "timer" in heard and "done" in heard, heard
    (stop,) = loop.run(frames(spoken(tts, 0.3, "stop", 1.5)))
    assert stop.decision.intent == "HassNevermind" and not service.ringing("hearth")
    sink.chunks.clear()
    clock.advance(30)
    service.tick()
    loop.run(frames(spoken(tts, 0.3)))
    assert sink.chunks == []  # silenced: no second ring


def test_a_delayed_command_and_the_timer_list_on_mqtt(tmp_path: Path, mosquitto: Mosquitto) -> None:
    clock = Clock()
    settings = _settings(tmp_path, mosquitto.port, intents={"stage": "templates"},
                         homeassistant=HomeAssistantSettings(discovery_prefix="ha_timers", import_devices=False))
    watcher = Subscriber(mosquitto.port, "#")
    link = MqttLink(settings.mqtt, "hearth-timers")
    assistant = Assistant(settings, load_home(settings), link)
    said: list[tuple[str, str]] = []
    service = serve_timers(assistant, lambda site, text: said.append((site, text)), link, ("hearth",), clock)
    connection = connect_home(assistant, link, settings, "hearth")
    link.start()
    try:
        assert _until(lambda: link.connected)
        assert assistant.handle("turn off the garage light in 10 minutes").reply == \
            "Command will be executed in 10 minutes"
        clock.advance(599)
        service.tick()
        clock.advance(1)
        service.tick()
        got = watcher.collect(40, timeout=3)
    finally:
        connection.close()
        link.close()
    watcher.close()
    topics = [topic for topic, _ in got]
    assert topics.count("home/light/garage/set") == 1
    events = [json.loads(p) for t, p in got if t == "hearth/hearth/timers/event"]
    assert [e["type"] for e in events] == ["started", "finished"]
    assert events[0]["timer"]["command"] == "turn off the garage light" and events[0]["timer"]["total_seconds_left"] == 600
    lists = [json.loads(p)["count"] for t, p in got if t == "hearth/hearth/timers"]
    assert lists[-2:] == [1, 0]
    config = json.loads(next(p for t, p in got if t == "ha_timers/device/hearth_hearth/config"))
    sensor = config["cmps"]["timers"]
    assert sensor["stat_t"] == "hearth/hearth/timers" and sensor["json_attr_t"] == "hearth/hearth/timers"
    assert said == []  # the command worked: nothing to announce
    retained = Subscriber(mosquitto.port, "hearth/hearth/timers")
    assert [json.loads(p)["count"] for _, p in retained.collect(1)] == [0]
    retained.close()


def test_a_timer_set_on_a_satellite_rings_on_that_satellite(tmp_path: Path, mosquitto: Mosquitto, tts, stt) -> None:
    clock = Clock()
    settings = _settings(tmp_path, mosquitto.port, homeassistant={"announce": False, "import_devices": False})
    hub_link, satellite_link = MqttLink(settings.mqtt, "timer-hub"), MqttLink(settings.mqtt, "timer-satellite")
    assistant = Assistant(settings, load_home(settings), hub_link, stt)
    hub = Hub(assistant, Speaker(tts, NullSink()), hub_link, "hearth")
    service = serve_timers(assistant, hub.announce, hub_link, clock=clock)
    sink = NullSink()
    satellite = Satellite(satellite_link, SatelliteSettings("kitchen_sat", listening=SessionSettings(
        always_listening=True, feedback_sounds=False)), EndPointer(), None, sink)
    hub.start()
    satellite.start()
    hub_link.start()
    satellite_link.start()
    try:
        assert _until(lambda: hub_link.connected and satellite_link.connected)
        for frame in frames(spoken(tts, 0.3, "set a timer for two minutes", 1.5)):
            satellite.process(frame)
        (timer,) = service.timers()
        assert (timer.site, timer.seconds) == ("kitchen_sat", 120)
        sink.chunks.clear()
        clock.advance(120)
        service.tick()
        assert _until(lambda: list(satellite.announced) == ["Your 2 minute timer is done"])
        assert _until(lambda: len(sink.chunks) > 1)
    finally:
        hub.stop()
        hub_link.close()
        satellite_link.close()
    assert sink.chunks[0].pcm == chime(tts.sample_rate).pcm
    heard = _heard(stt, sink.chunks[1:])
    assert "timer" in heard and "done" in heard, heard
