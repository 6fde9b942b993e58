"""The command line: entry points, bad input gives one clear line and never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from tests.conftest import FIXTURES, ROOT


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference home with conventional topics, no broker (dry runs)."""
    config = tmp_path / "config.yaml"
    config.write_text(f"home_file: {FIXTURES}\ntopic_base: home\n")
    monkeypatch.setenv("HEARTH_CONFIG", str(config))


def _ask(*args: str) -> int:
    return main(["ask", "--dry-run", *args])


def test_entity_without_mqtt_topics_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "/dev/null", "--home", str(FIXTURES), "ask", "--dry-run", "turn on the bedroom lamp"]) == 1
    assert capsys.readouterr().out.strip() == "Bedroom Lamp is not connected to MQTT"


def test_python_dash_m_app_and_console_script() -> None:
    for command in ([sys.executable, "-m", "app", "--help"], ["hearth", "--help"]):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "ask" in result.stdout and "eval" in result.stdout


def test_ask_dry_run_replies(capsys: pytest.CaptureFixture[str]) -> None:
    assert _ask("turn on the kitchen lights") == 0
    assert capsys.readouterr().out.strip() == "Turned on the lights"


def test_question_answered_from_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert _ask("is the garage light on?") == 0
    assert capsys.readouterr().out.strip() == "Yes"


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("", 2, "hearth: nothing to do: the command is empty"),
        ("   \n\t ", 2, "hearth: nothing to do: the command is empty"),
        ("turn on the lights " * 100, 2, "hearth: command too long: 1899 characters (limit 500"),
    ],
)
def test_unusable_text(capsys: pytest.CaptureFixture[str], text: str, code: int, message: str) -> None:
    assert _ask(text) == code
    err = capsys.readouterr().err
    assert err.startswith(message) and len(err.strip().splitlines()) == 1


def test_unknown_entity_and_area(capsys: pytest.CaptureFixture[str]) -> None:
    assert _ask("turn on the sprinklers") == 1
    assert _ask("turn on the lights in the attic") == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Sorry, I am not aware of any device called sprinklers"  # Home Assistant's words (#32)
    assert out[1] in ("Sorry, I didn't understand that", "I don't know an area called attic")


def test_missing_device_in_known_area(capsys: pytest.CaptureFixture[str]) -> None:
    assert _ask("turn on the fan in the kitchen") == 1
    # Home Assistant's own error response of the language.
    assert capsys.readouterr().out.strip() == "Sorry, I am not aware of any fan in the Kitchen area"


def test_malformed_home_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home.yaml"
    home.write_text("entities:\n  - {id: lamp}\n")
    assert main(["--home", str(home), "ask", "turn on the lamp"]) == 2
    err = capsys.readouterr().err
    assert "home.yaml: entities[0]: id 'lamp' is not <domain>.<object_id>" in err and "Traceback" not in err


def test_options_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "-v", "--dry-run", "turn off the bedroom lamp"]) == 0
    assert capsys.readouterr().out.strip() == "Turned off the light"
