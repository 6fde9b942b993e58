"""Home Assistant's English intent conformance suite, run through `hearth eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli.main import main
from tests.conftest import FIXTURES, HA_TESTS

#: Measured 2026-11-22: 1022 of 1024 sentences (99.8%).
FLOOR = 0.98


def _ha_slot_rules(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Written out again here, independently of app.cli.evaluate, from HA's test runner."""
    for name, value in actual.items():
        if name not in expected:
            return False
        want = expected[name]
        if isinstance(want, list):
            if isinstance(value, list):
                if not set(want).issubset(value):
                    return False
            elif value not in want:
                return False
        elif isinstance(value, list):
            if want not in value:
                return False
        elif value != want:
            return False
    return set(expected) <= set(actual)


def _expectations(files: list[Path]) -> list[tuple[str, str, dict[str, Any]]]:
    rows = []
    for file in files:
        for test in yaml.safe_load(file.read_text())["tests"]:
            rows += [(s, test["intent"]["name"], test["intent"].get("slots") or {}) for s in test["sentences"]]
    return rows


def test_conformance_suite_through_hearth_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(p for p in HA_TESTS.glob("*.yaml") if p.name != "_fixtures.yaml")
    assert len(files) > 40
    out = tmp_path / "conformance.jsonl"
    assert main(["eval", "--home", str(FIXTURES), "--json", str(out), *map(str, files)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    expected = _expectations(files)
    assert len(records) == len(expected) > 1000

    failures = []
    for record, (sentence, intent, slots) in zip(records, expected):
        assert record["text"] == sentence  # input order is kept
        if record["intent"] != intent or not _ha_slot_rules(record["slots"], slots):
            failures.append((sentence, intent, slots, record["intent"], record["slots"]))
    rate = 1 - len(failures) / len(records)
    print(f"conformance: {len(records) - len(failures)}/{len(records)} = {rate:.1%}")
    assert rate >= FLOOR, failures[:20]
    assert "all " in capsys.readouterr().out  # the summary table was printed
