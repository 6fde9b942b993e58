"""`hearth run` and `hearth bench` from the command line, without a sound card."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml

from app.audio.inputs import write_wav
from app.cli.main import main
from tests.conftest import FIXTURES, ROOT, spoken


def _config(tmp_path: Path, **extra: object) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"home_file": str(FIXTURES), "topic_base": "home", **extra}))
    return path


def test_run_from_a_wav_file_writes_spoken_replies(tmp_path: Path, tts) -> None:
    wav = tmp_path / "in.wav"
    write_wav(wav, spoken(tts, 1.0, "hey jarvis", 0.5, "set the bedroom lamp to 40 percent", 1.5,
                          "hey jarvis", 0.3, "what is the temperature in the office", 2.0))
    out = tmp_path / "replies.wav"
    config = _config(tmp_path, wake={"model": "hey_jarvis"})
    result = subprocess.run([sys.executable, "-m", "app", "--config", str(config), "run", "--wav", str(wav),
                             "--output-wav", str(out), "--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "HassLightSet: Brightness set" in lines[0]
    assert "HassClimateGetTemperature: 1 degree" in lines[1]
    with wave.open(str(out), "rb") as reply:
        assert reply.getframerate() == tts.sample_rate and reply.getnchannels() == 1
        samples = np.frombuffer(reply.readframes(reply.getnframes()), np.int16)
    assert len(samples) / tts.sample_rate > 1.0 and np.abs(samples).max() > 1000  # speech, not silence


def test_run_from_stdin_without_wake_word(tmp_path: Path, tts) -> None:
    pcm = spoken(tts, 0.3, "turn off the garage light", 1.5)
    result = subprocess.run([sys.executable, "-m", "app", "--config", str(_config(tmp_path)), "run", "--stdin",
                             "--no-wake", "--dry-run", "--output-wav", str(tmp_path / "o.wav")],
                            cwd=ROOT, input=pcm, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert b"HassTurnOff: Turned off the light" in result.stdout


def test_run_refuses_a_wav_in_the_wrong_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = tmp_path / "cd.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(bytes(44100))
    assert main(["--config", str(_config(tmp_path)), "run", "--wav", str(wav)]) == 2
    err = capsys.readouterr().err
    assert "cd.wav: WAV is 44100 Hz, 2 channel(s)" in err and "Traceback" not in err


def test_run_with_a_missing_microphone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, audio={"input_device": "no such microphone"})
    assert main(["--config", str(config), "run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hearth: ") and ("microphone" in err or "audio system" in err) and len(err.splitlines()) == 1


def test_run_with_a_corrupt_speech_model(tmp_path: Path, tts, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "whisper"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    wav = tmp_path / "in.wav"
    write_wav(wav, spoken(tts, 0.3, "turn on the lights", 1.0))
    assert main(["--config", str(_config(tmp_path, stt={"model": str(broken)})), "run", "--wav", str(wav)]) == 2
    assert "not a CTranslate2 Whisper model (missing model.bin)" in capsys.readouterr().err


def test_bench_writes_table_json_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report_path, chart = tmp_path / "bench.json", tmp_path / "bench.png"
    assert main(["bench", "--limit", "3", "--idle-seconds", "1", "--json", str(report_path), "--png", str(chart)]) == 0
    table = capsys.readouterr().out
    for row in ("right action (Hearth)", "end_of_speech_to_decision_ms p50 / p95", "speed-up at p50",
                "idle CPU, wake word listening", "peak RSS", "synthesis real-time factor"):
        assert row in table
    report = json.loads(report_path.read_text())
    assert report["clips"] == 3 and len(report["results"]) == 3
    assert report["peak_rss_mb"] > 0 and report["idle_cpu_percent"] > 0
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_wyoming_compares_the_socket_with_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "wyoming.json"
    assert main(["bench", "--wyoming", "--limit", "2", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["commands"] == 2 and figures["same_transcript"] == "2/2"
    for key in ("transcribe_in_process_ms", "transcribe_over_wyoming_ms", "first_audio_over_wyoming_ms"):
        assert 0 < figures[key]["p50"] <= figures[key]["max"]
    assert "transcribe_over_wyoming_ms" in capsys.readouterr().out


def test_bench_corrections_counts_what_a_spoken_correction_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text("cases:\n"
                     "- {text: movie night, intent: HassTurnOn, targets: [scene.party_mode]}\n"
                     "- {text: turn off the garage light, intent: HassTurnOff, targets: [light.garage]}\n")
    out = tmp_path / "corrections.json"
    # flite's awb voice: Whisper hears its "I meant" (Piper's comes back as "I'm at", which is no correction).
    assert main(["bench", "--corrections", "--home", str(FIXTURES), "--cases", str(cases), "--voice", "flite-awb",
                 "--other-voice", "flite-kal", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["before"] == {"right": 1, "wrong": 0, "refused": 1}  # nobody ever said "movie night" before
    assert figures["corrections"] == {"right": 1, "wrong": 0, "refused": 0} and figures["lessons_kept"] == 1
    assert figures["after"] == {"right": 2, "wrong": 0, "refused": 0}
    assert 0 < figures["correction_decision_ms"]["p50"] <= figures["correction_decision_ms"]["max"]
    assert "after_other_voice" in capsys.readouterr().out
