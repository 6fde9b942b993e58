"""Wake words and end-of-speech detection on synthesised speech."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.inputs import frames, to_pcm
from app.listen.vad import EndPoint, EndPointer, EndPointSettings
from app.listen.wake import WakeWordDetector
from models import ModelError
from tests.conftest import spoken

PHRASES = {"okay_nabu": "okay nabu", "hey_jarvis": "hey jarvis", "alexa": "alexa", "hey_mycroft": "hey mycroft"}
COMMANDS = ("turn on the kitchen lights", "what is the temperature in the office", "set a timer for five minutes")


def _fires(detector: WakeWordDetector, pcm: bytes) -> bool:
    detector.reset()
    return any(detector.process(frame) for frame in frames(pcm))


@pytest.mark.parametrize("model", sorted(PHRASES))
def test_each_wake_word_fires_on_its_phrase_and_not_on_commands(tts, model: str) -> None:
    detector = WakeWordDetector(model)
    assert _fires(detector, spoken(tts, 0.5, PHRASES[model], 1.0))
    for other in (p for m, p in PHRASES.items() if m != model):
        assert not _fires(detector, spoken(tts, 0.5, other, 1.0)), other
    for command in COMMANDS:
        assert not _fires(detector, spoken(tts, 0.5, command, 1.0)), command


def test_unknown_wake_word() -> None:
    with pytest.raises(ModelError, match="unknown wake word 'hey_toaster'"):
        WakeWordDetector("hey_toaster")


def _run(endpointer: EndPointer, pcm: bytes) -> tuple[EndPoint, int]:
    point = EndPoint.WAITING
    for count, frame in enumerate(frames(pcm), 1):
        point = endpointer.process(frame)
        if point not in (EndPoint.WAITING, EndPoint.SPEAKING):
            return point, count
    return point, count


def test_utterance_ends_after_the_silence_hangover(tts) -> None:
    endpointer = EndPointer(EndPointSettings(silence_seconds=0.6))
    for frame in frames(bytes(32000)):
        endpointer.observe(frame)  # warm, as VoiceLoop keeps it while idle
    pcm = spoken(tts, 0.3, "turn on the kitchen lights", 3.0)
    point, count = _run(endpointer, pcm)
    speech_end = (len(pcm) - 3.0 * 32000) / 320
    assert point is EndPoint.ENDED
    assert speech_end < count < speech_end + 120  # ended within the hangover plus the VAD's lag
    assert len(endpointer.audio) > 1.2 * 32000  # the whole command, with its start


def test_timeout_without_speech_and_cut_at_max_length(tts) -> None:
    assert _run(EndPointer(EndPointSettings(timeout_seconds=1.0)), bytes(2 * 32000)) == (EndPoint.TIMEOUT, 100)
    long_speech = spoken(tts, 0.2, "turn on the kitchen lights and the living room lamp and the garage light please")
    point, count = _run(EndPointer(EndPointSettings(max_seconds=1.5, silence_seconds=2.0)), long_speech + bytes(64000))
    assert point is EndPoint.TOO_LONG


def test_a_click_is_not_an_utterance() -> None:
    click = to_pcm(np.concatenate([np.zeros(8000), np.random.default_rng(1).normal(0, 0.5, 800), np.zeros(32000)]).astype(np.float32))
    endpointer = EndPointer(EndPointSettings(timeout_seconds=10.0))
    point, _ = _run(endpointer, click)
    assert point is EndPoint.WAITING and len(endpointer.audio) == 0


def test_listening_without_a_wake_word_logs_no_silence(caplog) -> None:
    """``--no-wake`` listens all the time (#33): a quiet room is the normal case, not worth a line every
    few seconds; with a wake word, silence after it still is."""
    import logging

    from app.audio.inputs import frames as frames_of
    from app.listen.session import ListeningSession, SessionSettings

    quiet = bytes(2 * 16000 * 12)  # twelve seconds of silence
    session = ListeningSession(EndPointer(EndPointSettings(timeout_seconds=1.0)), None,
                               SessionSettings(always_listening=True, feedback_sounds=False))
    with caplog.at_level(logging.INFO, logger="app.listen.session"):
        for frame in frames_of(quiet):
            session.process(frame)
    assert not [r for r in caplog.records if "No speech" in r.getMessage()]
