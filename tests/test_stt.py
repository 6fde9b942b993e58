"""Speech-to-text: model directories, the short window, lazy hypotheses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.audio.inputs import to_float
from app.stt.speech_to_text import trim_repeats
from models import ModelError
from models.whisper import check_whisper_dir, default_whisper_dir, load_whisper
from tests.conftest import spoken


def _copy_model(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(default_whisper_dir(), target)
    return target


def test_missing_directory() -> None:
    with pytest.raises(ModelError, match="nowhere: speech model directory not found"):
        check_whisper_dir(Path("nowhere"))


@pytest.mark.parametrize(("damage", "message"), [
    (lambda d: (d / "model.bin").unlink(), "not a CTranslate2 Whisper model (missing model.bin)"),
    (lambda d: (d / "config.json").write_text("{not json"), "config.json: corrupt"),
    (lambda d: (d / "model.bin").write_bytes(b"\0" * 10), "model.bin: corrupt (only 10 bytes)"),
])
def test_corrupt_directories_are_named(tmp_path: Path, damage, message: str) -> None:
    model = _copy_model(tmp_path)
    damage(model)
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_whisper_dir(model)


def test_truncated_weights_fail_to_load_with_a_clear_message(tmp_path: Path) -> None:
    model = _copy_model(tmp_path)
    data = (model / "model.bin").read_bytes()
    (model / "model.bin").write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError, match="cannot load speech model"):
        load_whisper(check_whisper_dir(model))


def test_transcribes_a_spoken_command(tts, stt) -> None:
    transcript = stt.transcribe(to_float(spoken(tts, 0.3, "set the bedroom lamp brightness to 50 percent", 0.7)))
    assert transcript.window_seconds == 10.0
    assert any("bedroom lamp" in h.lower() and "50" in h for h in transcript.hypotheses), transcript.hypotheses


def test_greedy_first_and_the_beam_only_on_demand(tts, stt) -> None:
    hypotheses = stt.hypotheses(to_float(spoken(tts, 0.3, "lock the front door", 0.7)))
    encoded_only = hypotheses.ms
    first = next(iter(hypotheses))
    after_greedy = hypotheses.ms
    assert "front door" in first.lower()
    assert after_greedy > encoded_only
    assert len(list(hypotheses)) >= 1  # iterating again decodes the beam as well
    assert hypotheses.ms > after_greedy


def test_long_utterances_use_the_full_window(stt) -> None:
    import numpy as np

    assert stt.hypotheses(np.zeros(12 * 16000, np.float32)).window == 30.0


def test_trim_repeats() -> None:
    assert trim_repeats("Turn off the garage light. Turn off the") == "Turn off the garage light."
    assert trim_repeats("Lock the front door. Lock the front door.") == "Lock the front door."
    assert trim_repeats("Turn on the lights. Then lock the door.") == "Turn on the lights. Then lock the door."
    assert trim_repeats("  ") == ""
    assert trim_repeats("returning returning returning returning returning") == "returning"
    assert trim_repeats("the lights on the lights on the lights on") == "the lights on"
    assert trim_repeats("turn on on the lights") == "turn on on the lights"
