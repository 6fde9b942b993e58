"""Running as a service: the systemd unit, readiness and watchdog, `hearth check`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from app.audio.inputs import write_wav
from app.cli.main import main
from app.cli.service import notify
from tests.conftest import FIXTURES, ROOT, Mosquitto, spoken


def test_install_and_uninstall_the_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("site: hall\n")
    assert main(["--config", str(config), "service", "install", "--unit-dir", str(tmp_path),
                 "--no-enable", "--no-user", "--user", "hearthd"]) == 0
    unit = (tmp_path / "hearth.service").read_text()
    for line in ("Type=notify", "User=hearthd", "Restart=on-failure", "WatchdogSec=30", "StandardOutput=journal",
                 "StateDirectory=hearth", "XDG_STATE_HOME=/var/lib",
                 f"--config {config.resolve()} run", "WantedBy=multi-user.target"):
        assert line in unit
    assert f"wrote {tmp_path / 'hearth.service'}" in capsys.readouterr().out
    assert main(["service", "uninstall", "--unit-dir", str(tmp_path), "--no-enable"]) == 0
    assert not (tmp_path / "hearth.service").exists()


def test_install_needs_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HEARTH_CONFIG", raising=False)
    assert main(["service", "install", "--unit-dir", str(tmp_path), "--no-enable", "--no-user"]) == 2
    assert "needs a configuration file" in capsys.readouterr().err


def test_ready_watchdog_and_stopping_are_sent_to_systemd(tmp_path: Path, tts) -> None:
    address = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(address))
    server.settimeout(0.5)
    messages: list[str] = []
    done = threading.Event()

    def read() -> None:  # as systemd does, while the service runs
        while not done.is_set():
            try:
                messages.append(server.recv(100).decode())
            except socket.timeout:
                pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wav = tmp_path / "in.wav"
    write_wav(wav, spoken(tts, 0.3, "turn on the garage light", 2.0))
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"home_file": str(FIXTURES), "topic_base": "home"}))
    env = {**os.environ, "NOTIFY_SOCKET": str(address), "WATCHDOG_USEC": "20000"}
    result = subprocess.run([sys.executable, "-m", "app", "--config", str(config), "run", "--wav", str(wav),
                             "--no-wake", "--dry-run", "--output-wav", str(tmp_path / "o.wav")],
                            cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    time.sleep(0.6)  # the last datagrams reach the reader
    done.set()
    reader.join()
    server.close()
    assert messages[0] == "READY=1" and messages[-1] == "STOPPING=1"
    assert "WATCHDOG=1" in messages


def test_a_reader_that_falls_behind_never_stalls_the_service(tmp_path: Path, monkeypatch) -> None:
    """systemd's queue holds few datagrams; when nobody reads, pings are dropped, not waited for."""
    address = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(address))  # never read
    monkeypatch.setenv("NOTIFY_SOCKET", str(address))
    sent = [notify("WATCHDOG=1") for _ in range(200)]  # would block forever with a blocking send
    server.close()
    assert sent[0] and not all(sent)


def test_check_reports_each_item_on_one_line(tmp_path: Path, mosquitto: Mosquitto, capsys) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"home_file": str(FIXTURES), "mqtt": {"host": "127.0.0.1", "port": mosquitto.port}}))
    code = main(["--config", str(config), "check"])
    lines = {line[:15].strip(): line[16:] for line in capsys.readouterr().out.splitlines()}  # "name<15> result"
    assert lines["config"] == "ok" and lines["home"].startswith("ok (")
    assert lines["speech-to-text"].startswith("ok") and lines["voice"].startswith("ok")
    assert lines["meaning"].startswith("ok (multilingual-e5-small")
    assert lines["wake word"] == "ok (Okay Nabu)" and lines["broker"] == f"ok (127.0.0.1:{mosquitto.port})"
    assert code == (1 if any(v.startswith("PROBLEM") for v in lines.values()) else 0)


def test_check_names_a_broken_model_and_an_unreachable_broker(tmp_path: Path, capsys) -> None:
    from tests.conftest import free_port

    broken = tmp_path / "whisper"
    broken.mkdir()
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"stt": {"model": str(broken)}, "mqtt": {"host": "127.0.0.1", "port": free_port()}}))
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    assert "speech-to-text  PROBLEM" in out and "missing model.bin" in out
    assert "broker          PROBLEM cannot connect to MQTT broker" in out and "Traceback" not in out


def test_the_unit_passes_systemds_own_verifier(tmp_path: Path) -> None:
    """systemd's unit parser (`systemd-analyze verify`, no running systemd needed) accepts every line."""
    import shutil

    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: install systemd (`.ci/run` does)"
    config = tmp_path / "config.yaml"
    config.write_text("site: hall\n")
    assert main(["--config", str(config), "service", "install", "--unit-dir", str(tmp_path),
                 "--no-enable", "--no-user"]) == 0
    result = subprocess.run([analyze, "verify", str(tmp_path / "hearth.service")], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), result.stderr


def test_wyoming_runs_as_its_own_unit(tmp_path: Path) -> None:
    import shutil

    config = tmp_path / "config.yaml"
    config.write_text("site: hall\n")
    assert main(["--config", str(config), "service", "install", "--runs", "wyoming", "--unit-dir", str(tmp_path),
                 "--no-enable", "--no-user"]) == 0
    unit = (tmp_path / "hearth-wyoming.service").read_text()
    assert f"--config {config.resolve()} wyoming" in unit and "WatchdogSec" not in unit  # no audio loop to watch
    result = subprocess.run([shutil.which("systemd-analyze") or "systemd-analyze", "verify",
                             str(tmp_path / "hearth-wyoming.service")], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    assert main(["service", "uninstall", "--runs", "wyoming", "--unit-dir", str(tmp_path), "--no-enable"]) == 0
    assert not (tmp_path / "hearth-wyoming.service").exists()
