"""Spoken commands through `hearth eval` audio cases: accuracy floors and safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from app.audio.inputs import write_wav
from app.bench.bench import command_texts
from app.bench.clips import command_clip
from app.cli.main import main
from app.config import Settings
from app.core.assistant import Assistant
from devices.registry import build_home, load_fixture_file
from tests.conftest import DEV_COMMANDS, FIXTURES, HA_TESTS

#: Template-covered commands (spread over the conformance suite), each must give
#: the same action spoken as typed. The floors are the issue's targets (95% and
#: 80%). Measured 2026-11-23: Piper 40/40, espeak-ng with 20 dB noise 38/40 and
#: no wrong action (31/40 before recognition was primed with the home's words,
#: `app.stt.prompt`; 22/40 before misheard transcripts were repaired, `app.stt.rescore`).
PIPER_FLOOR = 38
ESPEAK_FLOOR = 32


@pytest.fixture(scope="module")
def commands() -> list[tuple[str, dict, tuple]]:
    assistant = Assistant(Settings(), build_home(load_fixture_file(FIXTURES), topic_base="home"))
    files = [str(p) for p in sorted(HA_TESTS.glob("*.yaml")) if p.name != "_fixtures.yaml"]
    return command_texts(assistant, files, 40)


def _eval_audio(tmp_path: Path, clips: list[bytes], contexts: list[dict]) -> list[dict]:
    cases = []
    for i, (pcm, context) in enumerate(zip(clips, contexts)):
        write_wav(tmp_path / f"clip{i}.wav", pcm)
        cases.append({"audio": f"clip{i}.wav", **({"context": context} if context else {})})
    (tmp_path / "cases.yaml").write_text(yaml.safe_dump({"cases": cases}))
    out = tmp_path / "out.jsonl"
    assert main(["eval", "--home", str(FIXTURES), "--json", str(out), str(tmp_path / "cases.yaml")]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def _right(record: dict, expected: tuple) -> bool:
    intent, targets, data = expected
    return (record["acted"] and record["intent"] == intent and tuple(sorted(record["targets"])) == targets
            and tuple(sorted((k, str(v)) for k, v in record["data"].items())) == data)


def test_piper_commands(tmp_path: Path, tts, commands) -> None:
    records = _eval_audio(tmp_path, [command_clip(t, tts) for t, _, _ in commands], [c for _, c, _ in commands])
    assert len(records) == len(commands) == 40
    assert all(r["text"] is None and r["transcript"] and r["timings_ms"]["stt"] > 0 for r in records)
    assert all(r["timings_ms"]["total"] >= r["timings_ms"]["stt"] for r in records)
    right = sum(_right(r, expected) for r, (_, _, expected) in zip(records, commands))
    print(f"piper: {right}/{len(records)}")
    assert right >= PIPER_FLOOR


def test_espeak_commands_with_noise(tmp_path: Path, commands) -> None:
    clips = [command_clip(t, espeak_voice="en-us", snr_db=20, seed=i) for i, (t, _, _) in enumerate(commands)]
    records = _eval_audio(tmp_path, clips, [c for _, c, _ in commands])
    right = sum(_right(r, expected) for r, (_, _, expected) in zip(records, commands))
    wrong = sum(r["acted"] and not _right(r, e) for r, (_, _, e) in zip(records, commands))
    print(f"espeak+noise: {right}/{len(records)} right, {wrong} wrong actions")
    assert right >= ESPEAK_FLOOR
    assert wrong == 0


def test_spoken_non_commands_never_act(tmp_path: Path, tts) -> None:
    texts = [c["text"] for c in yaml.safe_load(DEV_COMMANDS.read_text())["cases"] if c["intent"] == "none"]
    texts += ["I love the kitchen lights", "the fan is noisy", "tell me a joke"]
    records = _eval_audio(tmp_path, [command_clip(t, tts) for t in texts], [{} for _ in texts])
    assert [r["transcript"] for r in records if r["acted"]] == []
