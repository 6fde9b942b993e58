"""The live loop driven by synthesised audio through a fake sound card (a NullSink)."""

from __future__ import annotations

import pytest

from app.audio.inputs import frames
from app.audio.outputs import NullSink
from app.config import Settings
from app.core.assistant import Assistant
from app.listen.session import SessionSettings
from app.listen.vad import EndPointer
from app.listen.wake import WakeWordDetector
from app.serve.loop import State, VoiceLoop, VoiceSettings
from app.speak.speaker import Speaker
from devices.registry import Home, build_home, load_fixture_file
from tests.conftest import FIXTURES, spoken


@pytest.fixture(scope="module")
def home() -> Home:
    return build_home(load_fixture_file(FIXTURES), topic_base="home")


def _loop(home: Home, stt, tts, sink: NullSink, wake: bool = True, feedback_sounds: bool = True) -> VoiceLoop:
    assistant = Assistant(Settings(), home, stt=stt)
    return VoiceLoop(assistant, EndPointer(), WakeWordDetector() if wake else None, Speaker(tts, sink), sink,
                     VoiceSettings(dry_run=True, listening=SessionSettings(not wake, feedback_sounds),
                                   wait_for_replies=True))


def test_wake_word_then_command_and_nothing_without_it(home: Home, stt, tts) -> None:
    sink = NullSink()
    loop = _loop(home, stt, tts, sink)
    audio = spoken(tts, 1.0, "okay nabu", 0.5, "turn on the kitchen lights", 1.5,
                   "turn off the garage light", 1.5,          # no wake word: ignored
                   "okay nabu", 0.3, "lock the front door", 2.0)
    outcomes = loop.run(frames(audio))
    assert [(o.decision.intent, set(o.decision.targets)) for o in outcomes] == [
        ("HassTurnOn", {"light.kitchen_countertop", "light.kitchen_ceiling", "light.kitchen_cabinets"}),
        ("HassTurnOn", {"lock.front_door"}),
    ]
    assert [o.reply for o in outcomes] == ["Turned on the lights", "Locking"]
    assert loop.state is State.IDLE
    # two listening tones, two done tones, and each reply spoken at the voice's rate
    assert len(sink.chunks) == 6 and {c.sample_rate for c in sink.chunks} == {tts.sample_rate}
    assert all(o.timings_ms["stt"] > 0 and o.timings_ms["total"] >= o.timings_ms["stt"] for o in outcomes)


def test_push_to_talk(home: Home, stt, tts) -> None:
    loop = _loop(home, stt, tts, NullSink())
    loop.session.push_to_talk()
    outcomes = loop.run(frames(spoken(tts, 0.3, "turn off the bedroom lamp", 1.5)))
    assert [o.decision.targets for o in outcomes] == [("light.bedroom_lamp",)]


def test_one_failing_utterance_does_not_stop_the_loop(home: Home, stt, tts, monkeypatch: pytest.MonkeyPatch) -> None:
    sink = NullSink()
    loop = _loop(home, stt, tts, sink, wake=False, feedback_sounds=False)
    real = stt.hypotheses
    calls = []

    def broken_once(samples, prompt=""):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("decoder fell over")
        return real(samples, prompt)

    monkeypatch.setattr(stt, "hypotheses", broken_once)
    outcomes = loop.run(frames(spoken(tts, 0.3, "turn on the garage light", 1.5, "turn off the garage light", 1.5)))
    assert loop.failures == 1
    assert [o.decision.intent for o in outcomes] == ["HassTurnOff"]
    assert len(sink.chunks) == 2  # "Sorry, something went wrong", then "Turned off the light"


def test_no_speech_after_wake_word_returns_to_idle(home: Home, stt, tts) -> None:
    loop = _loop(home, stt, tts, NullSink())
    loop.session.push_to_talk()
    assert loop.run(frames(bytes(7 * 32000))) == []
    assert loop.state is State.IDLE


def test_without_wake_word_the_loop_must_be_told_so(home: Home, stt) -> None:
    with pytest.raises(ValueError, match="always_listening"):
        VoiceLoop(Assistant(Settings(), home, stt=stt), EndPointer(), None)
