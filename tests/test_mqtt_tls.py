"""MQTT over TLS with user name and password, against a real Mosquitto."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from app.cli.main import main
from tests.conftest import FIXTURES, Mosquitto


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture()
def tls_broker(tmp_path: Path):
    """A CA, a server certificate for 127.0.0.1, and a broker that requires TLS and a password."""
    ca_key, ca, key, csr, cert = (tmp_path / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca),
             "-days", "2", "-subj", "/CN=Hearth Test CA")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext = tmp_path / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", str(cert), "-days", "2", "-extfile", str(ext))
    passwords = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "hearth", "s3cret"], check=True)
    broker = Mosquitto(tmp_path, f"cafile {ca}\ncertfile {cert}\nkeyfile {key}\n"
                                 f"allow_anonymous false\npassword_file {passwords}\n").start()
    yield broker, ca
    broker.stop()


def _config(tmp_path: Path, port: int, ca: Path, password: str) -> Path:
    config = tmp_path / "tls.yaml"
    config.write_text(yaml.safe_dump({
        "home_file": str(FIXTURES), "topic_base": "home",
        "mqtt": {"host": "127.0.0.1", "port": port, "username": "hearth", "password": password,
                 "tls": {"enabled": True, "ca_certs": str(ca)}},
    }))
    return config


def test_command_over_tls(tmp_path: Path, tls_broker, capsys: pytest.CaptureFixture[str]) -> None:
    broker, ca = tls_broker
    assert main(["--config", str(_config(tmp_path, broker.port, ca, "s3cret")), "ask", "turn on the garage light"]) == 0
    assert capsys.readouterr().out.strip() == "Turned on the light"


def test_wrong_password_and_untrusted_certificate_are_clear(tmp_path: Path, tls_broker, capsys: pytest.CaptureFixture[str]) -> None:
    broker, ca = tls_broker
    assert main(["--config", str(_config(tmp_path, broker.port, ca, "nope")), "ask", "turn on the garage light"]) == 1
    assert "refused the connection" in capsys.readouterr().err
    other_ca = tmp_path / "other.pem"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "o.key"), "-out", str(other_ca),
             "-days", "1", "-subj", "/CN=Someone Else")
    assert main(["--config", str(_config(tmp_path, broker.port, other_ca, "s3cret")), "ask", "turn on the garage light"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hearth: cannot connect to MQTT broker") and "certificate verify failed" in err
