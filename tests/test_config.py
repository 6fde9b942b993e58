"""Configuration: the documented default file, validation errors, secrets from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from app.cli.main import main
from app.config import ConfigError, Settings, load_settings
from tests.conftest import ROOT

pytestmark = pytest.mark.fast


def test_root_config_is_the_documented_default() -> None:
    assert load_settings(ROOT / "config.yaml") == Settings()


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every setting's dotted key, sections included."""
    found = set()
    for name, info in model.model_fields.items():
        found.add(prefix + name)
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            found |= _keys(info.annotation, f"{prefix}{name}.")
    return found


def _written(data: dict, prefix: str = "") -> set[str]:
    found = set()
    for name, value in data.items():
        found.add(prefix + name)
        if isinstance(value, dict) and name not in ("sites",):
            found |= _written(value, f"{prefix}{name}.")
    return found


def test_every_setting_is_documented_in_the_root_config() -> None:
    """Each stage's settings type is assembled into Settings; every knob of every one is in config.yaml."""
    written = _written(yaml.safe_load((ROOT / "config.yaml").read_text()))
    assert _keys(Settings) == written


def test_every_key_of_the_root_config_is_commented() -> None:
    """Each setting has a comment right above it (one comment may cover a pair of keys)."""
    lines = [line.strip() for line in (ROOT / "config.yaml").read_text().splitlines()]
    for i, line in enumerate(lines):
        if line and not line.startswith("#") and not line.endswith(":"):
            above = lines[max(0, i - 2):i]
            assert any(a.startswith("#") for a in above), f"key without a comment: {line}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mqtt:\n  hots: x\n", "bad.yaml: mqtt.hots: unknown key"),
        ("mqtt:\n  port: many\n", "bad.yaml: mqtt.port: input should be a valid integer"),
        ("mqtt:\n  port: 70000\n", "bad.yaml: mqtt.port: input should be less than or equal to 65535"),
        ("site: 'has space'\n", "bad.yaml: site: string should match pattern"),
        ("- a list\n", "bad.yaml: expected a mapping of settings at the top level"),
        ("mqtt: [\n", "bad.yaml: line 2 not valid YAML"),
        ("devices:\n  - {id: lamp, name: Lamp}\n", "bad.yaml: devices.0.id: string should match pattern"),
    ],
)
def test_bad_config_names_file_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value).replace(str(tmp_path) + "/", "")
    assert message.startswith(expected), message
    assert "\n" not in message


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml: configuration file not found"):
        load_settings(tmp_path / "nope.yaml")


def test_cli_exits_2_with_one_line_and_no_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("mqtt:\n  port: many\n")
    assert main(["--config", str(path), "ask", "turn on the lights"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hearth: ") and "mqtt.port" in err and "integer" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_password_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("mqtt:\n  host: broker.lan\n  username: hearth\n  password: from-file\n")
    monkeypatch.setenv("HEARTH_MQTT_PASSWORD", "from-env")
    settings = load_settings(path)
    assert settings.mqtt.password == "from-env"
    assert settings.mqtt.username == "hearth"
