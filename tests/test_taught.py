"""Phrases the home teaches (`hearth teach`): kept on the device, used from the next utterance on."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.cli.main import main
from app.cli.teach import teach
from app.config import Settings
from app.core.assistant import Assistant
from app.core.understanding import IntentSettings
from devices.registry import build_home, load_fixture_file
from intents.taught import TeachError
from tests.conftest import FIXTURES

pytestmark = pytest.mark.fast

HOME = build_home(load_fixture_file(FIXTURES))


def _assistant(path: Path) -> Assistant:
    return Assistant(Settings(intents=IntentSettings(stage="templates", taught_file=str(path))), HOME)


def test_a_taught_phrase_acts_from_the_next_utterance_on(tmp_path: Path) -> None:
    path = tmp_path / "taught.yaml"
    running, teacher = _assistant(path), _assistant(path)  # a running service and `hearth teach`
    assert running.understand("party time").decision.intent is None
    assert teach(teacher, "party time", "scene.party_mode") == "activate Party Mode"
    decision = running.understand("Party time!").decision  # words only: case and punctuation do not matter
    assert decision.acts and decision.targets == ("scene.party_mode",)
    assert running.understand("no party time").decision.intent is None  # only the whole phrase
    teach(teacher, "party time", "turn off the kitchen lights")  # taught again: the new lesson wins
    assert set(running.understand("party time").decision.targets) == {
        "light.kitchen_countertop", "light.kitchen_ceiling", "light.kitchen_cabinets"}
    assert teacher.understander.taught.forget("party time")
    assert running.understand("party time").decision.intent is None


def test_only_commands_the_templates_read_and_phrases_they_do_not(tmp_path: Path) -> None:
    assistant = _assistant(tmp_path / "taught.yaml")
    with pytest.raises(TeachError, match="not a command"):
        teach(assistant, "coffee", "brew me a coffee")
    with pytest.raises(TeachError, match="already understood"):
        teach(assistant, "turn on the kitchen lights", "scene.party_mode")
    assert not (tmp_path / "taught.yaml").exists()


def test_a_damaged_file_loses_the_lessons_not_the_utterance(tmp_path: Path, caplog) -> None:
    path = tmp_path / "taught.yaml"
    path.write_text("phrases: [not, a, mapping]\n")
    assistant = _assistant(path)
    with caplog.at_level(logging.ERROR):
        assert assistant.understand("party time").decision.intent is None
        assert assistant.understand("turn on the kitchen lights").decision.acts
    assert any("taught phrases" in r.getMessage() or "phrases:" in r.getMessage() for r in caplog.records)


def test_the_command_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    config = tmp_path / "config.yaml"
    config.write_text("intents:\n  stage: templates\n")
    args = ["--config", str(config), "--home", str(FIXTURES), "teach"]
    assert main([*args, "movie time", "scene.party_mode"]) == 0
    assert main([*args, "--list"]) == 0
    assert main([*args, "tea", "make tea"]) == 2
    out = capsys.readouterr().out
    assert 'taught: "movie time" -> activate Party Mode' in out and '"movie time" -> activate Party Mode' in out
    assert "not a command Hearth understands" in out
    assert (tmp_path / "hearth" / "taught.yaml").is_file()
