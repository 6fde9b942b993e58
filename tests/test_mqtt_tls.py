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


def test_a_service_says_why_it_cannot_connect_once_and_plainly(tmp_path: Path, tls_broker,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """The long-running link (``hearth run``) retries in the background (#33): a certificate that does not
    verify is said, with its reason, once; a wrong password is said as refused, with no misleading
    "Unspecified error" after it."""
    import time

    from devices.mqtt import MqttLink
    from devices.mqtt_settings import MqttSettings, TlsSettings

    broker, ca = tls_broker
    other_ca = tmp_path / "other.pem"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "o.key"), "-out", str(other_ca),
             "-days", "1", "-subj", "/CN=Someone Else")
    for ca_file, password in ((other_ca, "s3cret"), (ca, "nope")):
        caplog.clear()
        settings = MqttSettings(host="127.0.0.1", port=broker.port, username="hearth", password=password,
                                tls=TlsSettings(enabled=True, ca_certs=str(ca_file)))
        link = MqttLink(settings, f"hearth-tls-{password}")
        with caplog.at_level("INFO", logger="devices.mqtt"):
            link.start()
            time.sleep(4.0)  # the first attempt and a retry or two
            link.close()
        said = [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")]
        if password == "s3cret":
            assert len(said) == 1 and "certificate verify failed" in said[0], said
        else:
            assert said and all("refused the connection" in s for s in said), said
