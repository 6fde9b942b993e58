"""A real Home Assistant Core for the tests: found, configured without onboarding, started, asked.

Home Assistant lives in a virtual environment of its own (it needs Python 3.13;
Hearth runs on 3.11), named by ``$HEARTH_HA_PYTHON``: a python that can
``import homeassistant``. ``.ci/run`` creates one at :data:`DEFAULT_HA_PYTHON`.
:func:`find_ha_python` says why when there is none, so the tier skips loudly.

The config directory is pre-seeded so that no onboarding UI is needed: an owner
with a long-lived access token (``.storage/auth``), onboarding marked done, and
an MQTT config entry pointing at the test's own Mosquitto
(``.storage/core.config_entries``). Only the integrations the tests use are
configured (no ``default_config``, no cloud); ``--skip-pip`` keeps Home
Assistant from installing anything, so a missing requirement is a failed
integration in the log rather than a download.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from app.bench.faults.common import wait_until
from app.bench.local_broker import free_port

HA_VERSION = "2025.4.4"
#: Where ``.ci/run`` installs Home Assistant when $HEARTH_HA_PYTHON is not set.
DEFAULT_HA_PYTHON = Path.home() / ".cache" / "hearth" / f"ha-{HA_VERSION}" / "bin" / "python"
#: Requirements of the integrations configured here, checked before starting (``--skip-pip``).
_NEEDED = ("homeassistant", "paho.mqtt", "hassil", "home_assistant_intents", "hass_frontend")


def find_ha_python() -> tuple[Optional[str], str]:
    """(python, "") when Home Assistant can be run, else (None, why not)."""
    python = os.environ.get("HEARTH_HA_PYTHON") or str(DEFAULT_HA_PYTHON)
    source = "$HEARTH_HA_PYTHON" if os.environ.get("HEARTH_HA_PYTHON") else "the default"
    if not Path(python).exists():
        return None, (f"Home Assistant tier SKIPPED: no python at {python} ({source}); "
                      f"install Home Assistant {HA_VERSION} in a Python 3.13 venv (bash .ci/run does) "
                      f"and set HEARTH_HA_PYTHON to its python")
    probe = ("import importlib, homeassistant.const as c\n"
             f"for m in {_NEEDED!r}: importlib.import_module(m)\n"
             "print(c.__version__)")
    try:
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, f"Home Assistant tier SKIPPED: {python} does not run: {err}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return None, f"Home Assistant tier SKIPPED: {python} cannot import Home Assistant's requirements: {last}"
    return python, ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(issuer: str, key: str, lifetime: int) -> str:
    """An HS256 JWT as Home Assistant signs access tokens (``auth.async_create_access_token``)."""
    now = int(time.time())
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps({"iss": issuer, "iat": now, "exp": now + lifetime}).encode())
    signature = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def _store(key: str, data: Any, version: int = 1, minor: int = 1) -> str:
    return json.dumps({"version": version, "minor_version": minor, "key": key, "data": data})


def _entry(domain: str, title: str, data: dict, options: dict, minor: int = 1) -> dict[str, Any]:
    """A config entry as ``ConfigEntry.as_dict`` stores it."""
    now = datetime.now(timezone.utc).isoformat()
    return {"created_at": now, "modified_at": now, "data": data, "options": options, "discovery_keys": {},
            "disabled_by": None, "domain": domain, "entry_id": secrets.token_hex(13), "minor_version": minor,
            "pref_disable_new_entities": False, "pref_disable_polling": False, "source": "user",
            "subentries": [], "title": title, "unique_id": None, "version": 1}


def seed_config(config: Path, http_port: int, mqtt_port: int, wyoming_port: Optional[int] = None) -> str:
    """Write a configuration that needs no onboarding; returns a long-lived access token."""
    storage = config / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    # No default_config: it brings cloud, analytics uploads, zeroconf, SSDP, DHCP, Bluetooth... Home
    # Assistant still loads its own defaults (frontend, analytics without consent: uploads nothing).
    (config / "configuration.yaml").write_text(f"""\
homeassistant:
  name: Hearth test home
  latitude: 52.0
  longitude: 4.0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: NL
  currency: EUR
  internal_url: http://127.0.0.1:{http_port}
http:
  server_host: 127.0.0.1
  server_port: {http_port}
api:
websocket_api:
conversation:
intent:
logger:
  default: warning
  logs:
    homeassistant.components.mqtt: info
""", encoding="utf-8")
    user, token_id, jwt_key = secrets.token_hex(16), secrets.token_hex(16), secrets.token_hex(64)
    lifetime = 10 * 365 * 86400
    auth = {"users": [{"id": user, "group_ids": ["system-admin"], "is_owner": True, "is_active": True,
                       "name": "Hearth tests", "system_generated": False, "local_only": False}],
            "groups": [{"id": "system-admin", "name": "Administrators"},
                       {"id": "system-users", "name": "Users"}, {"id": "system-read-only", "name": "Read Only"}],
            "credentials": [],
            "refresh_tokens": [{"id": token_id, "user_id": user, "client_id": None, "client_name": "hearth-tests",
                                "client_icon": None, "token_type": "long_lived_access_token",
                                "created_at": datetime.now(timezone.utc).isoformat(),
                                "access_token_expiration": lifetime, "token": secrets.token_hex(64),
                                "jwt_key": jwt_key, "last_used_at": None, "last_used_ip": None, "expire_at": None,
                                "credential_id": None, "version": HA_VERSION}]}
    (storage / "auth").write_text(_store("auth", auth), encoding="utf-8")
    (storage / "onboarding").write_text(
        _store("onboarding", {"done": ["user", "core_config", "analytics", "integration"]}, version=4),
        encoding="utf-8")
    entries = [_entry("mqtt", "Test Mosquitto", {"broker": "127.0.0.1", "port": mqtt_port},
                      {"discovery": True, "discovery_prefix": "homeassistant"}, minor=2)]
    if wyoming_port is not None:
        entries.append(_entry("wyoming", "Hearth", {"host": "127.0.0.1", "port": wyoming_port}, {}))
    (storage / "core.config_entries").write_text(
        _store("core.config_entries", {"entries": entries}, minor=5), encoding="utf-8")
    return _jwt(token_id, jwt_key, lifetime)


class HomeAssistant:
    """One Home Assistant process and a small REST client for it."""

    def __init__(self, python: str, config: Path, mqtt_port: int, wyoming_port: Optional[int] = None) -> None:
        self.python = python
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = seed_config(config, self.port, mqtt_port, wyoming_port)
        self.log = config / "hass.out"
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.startup_s: Optional[float] = None

    def start(self, timeout: float = 180.0) -> "HomeAssistant":
        """Start and wait until the API answers and MQTT is set up; raises with the log's tail if not."""
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_PROXY": "*", "no_proxy": "*", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("SUPERVISOR", None)  # else Home Assistant looks for a Supervisor (hassio)
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [self.python, "-m", "homeassistant", "-c", str(self.config), "--skip-pip", "--log-no-color"],
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT, env=env, cwd=self.config)
        ready = until(lambda: self._ready() or self.proc.poll() is not None, timeout, step=0.25)
        if not ready or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"Home Assistant did not start in {timeout:.0f} s:\n{self.log_tail()}")
        self.startup_s = time.monotonic() - began
        return self

    def _ready(self) -> bool:
        try:
            return self.get("/api/")["message"] == "API running." and "mqtt" in self.get("/api/config")["components"]
        except (OSError, ValueError, KeyError):
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: Home Assistant stops cleanly and saves its stores
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _request(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read().decode()
        return json.loads(raw) if raw.startswith(("{", "[")) else raw

    def get(self, path: str) -> Any:
        return self._request("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self._request("POST", path, body if body is not None else {})

    def states(self) -> dict[str, dict[str, Any]]:
        """Every entity's state object, by entity id."""
        return {s["entity_id"]: s for s in self.get("/api/states")}

    def state(self, entity_id: str) -> Optional[str]:
        try:
            return self.get(f"/api/states/{entity_id}")["state"]
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise

    def by_name(self) -> dict[str, str]:
        """Entity id by friendly name."""
        return {s["attributes"].get("friendly_name", ""): e for e, s in self.states().items()}

    def wait_state(self, entity_id: str, expected: str, timeout: float = 10.0) -> Optional[str]:
        """Poll until ``entity_id`` is ``expected``; returns the last state seen."""
        seen: list[Optional[str]] = [None]

        def check() -> bool:
            seen[0] = self.state(entity_id)
            return seen[0] == expected
        until(check, timeout)
        return seen[0]

    def template(self, text: str) -> str:
        """Render a template in Home Assistant (device registry and integrations, without a websocket)."""
        return self._request("POST", "/api/template", {"template": text})

    def call(self, domain: str, service: str, **data: Any) -> Any:
        return self.post(f"/api/services/{domain}/{service}", data)


def until(condition: Callable[[], bool], timeout: float = 10.0, step: float = 0.1) -> bool:
    """Poll ``condition`` until true or ``timeout`` seconds passed; its last value (the fault bench's poll)."""
    return wait_until(condition, timeout, step)
