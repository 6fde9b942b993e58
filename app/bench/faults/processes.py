"""The processes of the fault bench: a Mosquitto, and Hearth wired as ``hearth run`` wires it."""

from __future__ import annotations

import getpass
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

from app.bench.faults.common import (
    _ROOT,
    BROKER_CONFIG,
    SITE,
    TOPIC_PREFIX,
    _rss_mb,
    wait_until,
)
from app.bench.local_broker import free_port, mosquitto_binary, wait_listening


class Broker:
    """A Mosquitto on 127.0.0.1 that can be killed, paused and started again on the same port."""

    def __init__(self, workdir: Path, extra: str = BROKER_CONFIG) -> None:
        binary = mosquitto_binary()
        if not binary:
            raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
        self.binary, self.port = binary, free_port()
        self.conf, self.log = workdir / "mosquitto.conf", workdir / "mosquitto.log"
        # As root mosquitto would switch to user "mosquitto"; as anyone else the option is ignored.
        self.conf.write_text(f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\n{extra}"
                             f"persistence_location {workdir}/\n", encoding="utf-8")
        self.proc: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> "Broker":
        self.proc = subprocess.Popen([self.binary, "-c", str(self.conf)], stdout=self.log.open("ab"),
                                     stderr=subprocess.STDOUT)
        wait_listening(self.proc, self.port)
        return self

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def pause(self, paused: bool) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP if paused else signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


class HearthProcess:
    """Hearth wired as ``hearth run`` wires it (see :func:`_serve_hearth`), in a process of its own; it prints
    a status line (entities in its home, whether it is connected) whenever one changes."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.log = workdir / "hearth.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "app.bench.faults", "--hearth", str(port)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log.open("wb"),
                                     cwd=str(_ROOT), env=_child_env())
        self.status: dict[str, Any] = {}
        self.history: "queue.Queue[dict[str, Any]]" = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                status = json.loads(line)
            except ValueError:
                continue
            self.status = status
            self.history.put(status)

    def wait_connected(self, timeout: float = 60.0) -> None:
        if not wait_until(lambda: bool(self.status.get("connected")) or self.proc.poll() is not None, timeout):
            raise RuntimeError(f"Hearth did not connect in {timeout:.0f} s: {self.log_text()[-2000:]}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"Hearth exited: {self.log_text()[-2000:]}")

    @property
    def rss_mb(self) -> float:
        return _rss_mb(self.proc.pid)

    @property
    def peak_rss_mb(self) -> float:
        return _rss_mb(self.proc.pid, "VmHWM")

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc.stdin is not None:
            self.proc.stdin.close()


def _serve_hearth(port: int) -> int:
    """The child: ``hearth run``'s MQTT wiring (app/cli/run.py ``_connect``) without audio, until SIGTERM or
    until the bench that started it goes (its stdin closes)."""
    import logging

    from app.broker.connections import connect_home
    from app.cli.demo import demo_home
    from app.config import MqttSettings, Settings
    from app.core.assistant import Assistant
    from devices.mqtt import MqttLink

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings(site=SITE, mqtt=MqttSettings(host="127.0.0.1", port=port, topic_prefix=TOPIC_PREFIX),
                        intents={"stage": "templates"})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    link = MqttLink(settings.mqtt, settings.client_id("run"), persistent=True)
    assistant = Assistant(settings, demo_home(settings.intents.language), link)
    configs = MqttLink(settings.mqtt, settings.client_id("run-discovery"))
    connection = connect_home(assistant, link, settings, SITE, side_link=configs)
    link.subscribe(f"{TOPIC_PREFIX}/{SITE}/listen", lambda topic, payload: None)  # push-to-talk, as run does
    link.start()
    configs.start()
    last: dict[str, Any] = {}
    try:
        while not stop.wait(0.05):
            discovered = connection.discovery.current.entities if connection.discovery is not None else ()
            now = {"entities": len(assistant.home.entities), "discovered": len(discovered),
                   "connected": link.connected}
            if now != last:
                print(json.dumps({**now, "t": time.monotonic()}), flush=True)
                last = now
    finally:
        connection.close()
        link.close()
        configs.close()
    return 0


# -- clients: Home Assistant's side and the devices' ----------------------------------------------------------------
