"""Home Assistant's intent conformance suites (English, Simplified Chinese, German), run through `hearth eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli.main import main
from tests.conftest import HA_TESTS, HA_TESTS_DE, HA_TESTS_ZH

#: Measured 2026-11-23 with hassil 3.10.0: English 1023 of 1024 (99.9%), zh-CN 232 of 232 (100%).
#: The issue asks 95% for zh-CN. German (2026-12-04, hassil 3.10.0, from its data file): 9,304 of 9,389 (99.1%).
SUITES = {"en": (HA_TESTS, 0.98, 1000), "zh-cn": (HA_TESTS_ZH, 0.95, 200), "de": (HA_TESTS_DE, 0.99, 3000)}
#: German (#34: a language from its data file only, no Python) has 9,389 sentences, 19 minutes here: the
#: test takes every third (the whole suite's figure, by `hearth eval`, is in docs/understanding.md).
STEP = {"de": 3}


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


def _every(file: Path, step: int, folder: Path) -> Path:
    """A copy of a test file with every ``step``-th sentence, counted through the file."""
    data, seen = yaml.safe_load(file.read_text()), 0
    for test in data["tests"]:
        kept = [s for k, s in enumerate(test["sentences"], seen) if k % step == 0]
        seen += len(test["sentences"])
        test["sentences"] = kept
    data["tests"] = [t for t in data["tests"] if t["sentences"]]
    copy = folder / file.name
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return copy


@pytest.mark.parametrize("language", SUITES)
def test_conformance_suite_through_hearth_eval(language: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder, floor, size = SUITES[language]
    if folder is None:
        pytest.skip(f"Home Assistant's {language} conformance suite is only in ../shared (HEARTH_SHARED unset)")
    # "_fixtures.yaml" is the home; "_test_failures.yaml" the sentences Home Assistant's runner leaves out.
    files = sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))
    assert len(files) > 35
    if language in STEP:
        files = [_every(file, STEP[language], tmp_path) for file in files]
    out = tmp_path / "conformance.jsonl"
    # No --language: `hearth eval` takes it from the files ("language: zh-cn").
    assert main(["eval", "--home", str(folder / "_fixtures.yaml"), "--json", str(out), *map(str, files)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    expected = _expectations(files)
    assert len(records) == len(expected) > size

    failures = []
    for record, (sentence, intent, slots) in zip(records, expected):
        assert record["text"] == sentence  # input order is kept
        if record["intent"] != intent or not _ha_slot_rules(record["slots"], slots):
            failures.append((sentence, intent, slots, record["intent"], record["slots"]))
    rate = 1 - len(failures) / len(records)
    print(f"conformance {language}: {len(records) - len(failures)}/{len(records)} = {rate:.1%}")
    assert rate >= floor, failures[:20]
    assert "all " in capsys.readouterr().out  # the summary table was printed
