"""``hearth bench --faults``: Hearth against a broker that dies or hangs, floods, and a crowded Wyoming server.

Everything runs on 127.0.0.1 with real processes. Each MQTT scenario starts its own Mosquitto (``persistence
true``, as Home Assistant's Mosquitto add-on runs it; ``max_queued_messages 20000``, since the default 1,000
drops discovery configs) and Hearth in a process of its own, wired as ``hearth run`` wires it: the assistant
(templates only: no speech models, no LLM) on a persistent :class:`MqttLink` with client id
``settings.client_id("run")``, :func:`connect_home` (live state, discovery, Hearth's device with its typed
commands) and the push-to-talk topic. A client standing in for Home Assistant publishes typed commands (QoS 1)
on ``hearth/<site>/command`` and reads the answers on ``hearth/<site>/reply``; another stands in for the
devices, subscribed to the garage light's command topic.

1. Broker outage: 100 typed commands at 5 a second; the broker is killed (SIGKILL) for 10 s in the middle
   and started again on the same port. Each command is classified: not accepted by the broker (the sender
   was told), answered done (and the light got it), answered with a failure, or lost silently (accepted,
   never answered); and commands carried out after their reply said they failed are counted.
2. The same with the broker paused (SIGSTOP for 10 s, then SIGCONT).
3. 5,000 retained discovery configs while a typed command goes every 200 ms: time until Hearth's home has
   them all, and the slowest reply meanwhile.
4. 10,000 malformed messages (random bytes, 1 MB payloads, invalid UTF-8, deep JSON) on discovery, state and
   command topics: Hearth's RSS before and after, the slowest reply during it, and an answer after.
5. A Wyoming server (``hearth wyoming`` in a process with 4,096 file descriptors) holding 1,000 idle
   connections and a client that asks for a long synthesis and never reads: describe and transcript
   requests from another client, p50 and max.

Every loop has a bound and every wait a time limit; the bench stops by itself.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import queue
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import paho.mqtt.client as paho

from app.bench.local_broker import free_port, mosquitto_binary, wait_listening

SITE = "bench"
TOPIC_PREFIX = "hearth"
DISCOVERY_PREFIX = "homeassistant"
COMMAND_TOPIC = f"{TOPIC_PREFIX}/{SITE}/command"
REPLY_TOPIC = f"{TOPIC_PREFIX}/{SITE}/reply"
#: The demo home's garage light (``demo_home``: topics under ``demo/``).
LIGHT_TOPIC = "demo/light/garage/set"
LIGHT_STATE = "demo/light/garage/state"
#: The broker as Home Assistant's Mosquitto add-on runs it (persistence), plus room for a big home's configs.
BROKER_CONFIG = "allow_anonymous true\npersistence true\nmax_queued_messages 20000\n"
#: A variant: Mosquitto saving its in-memory state every second, not every 30 minutes.
AUTOSAVE = "autosave_interval 1\n"
_ROOT = Path(__file__).resolve().parents[2]
_FAILURES_IN_DOUBT = ("not_confirmed",)  # a reply that says the command may still happen


def command_text(n: int) -> str:
    return f"set the garage light to {n} percent"


def percent_of(payload: str) -> Optional[int]:
    """The percentage a garage light command carries (brightness 0-255), None if it carries none."""
    try:
        brightness = json.loads(payload).get("brightness")
    except (ValueError, AttributeError):
        return None
    return round(brightness * 100 / 255) if isinstance(brightness, (int, float)) else None


def stats(values: list[float]) -> dict[str, float]:
    """p50, p95 and max in milliseconds (from seconds)."""
    if not values:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(v * 1000 for v in values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))], 1)

    return {"n": len(ordered), "p50": pick(0.5), "p95": pick(0.95), "max": round(ordered[-1], 1)}


def _until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def _rss_mb(pid: int, key: str = "VmRSS") -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


# -- processes: Mosquitto and Hearth ------------------------------------------------------------------------------

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
        if not _until(lambda: bool(self.status.get("connected")) or self.proc.poll() is not None, timeout):
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
    connection = connect_home(assistant, link, settings, SITE)
    link.subscribe(f"{TOPIC_PREFIX}/{SITE}/listen", lambda topic, payload: None)  # push-to-talk, as run does
    link.start()
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
    return 0


# -- clients: Home Assistant's side and the devices' ----------------------------------------------------------------

class Watcher:
    """A client that records every message on ``topics`` with its arrival time; it reconnects within a
    fraction of a second (faster than Hearth), so it is subscribed again before Hearth publishes."""

    def __init__(self, port: int, topics: list[str], name: str) -> None:
        self.messages: list[tuple[float, str, bytes]] = []
        self.connects: list[float] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"bench-{name}-{time.monotonic_ns()}")
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(min_delay=0.1, max_delay=0.2)  # type: ignore[arg-type]

        def connected(client: paho.Client, userdata: object, flags: object, reason: object, props: object) -> None:
            self.connects.append(time.monotonic())
            for topic in topics:
                client.subscribe(topic, qos=1)

        def message(client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
            with self._lock:
                self.messages.append((time.monotonic(), msg.topic, msg.payload))

        self.client.on_connect = connected
        self.client.on_message = message
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.connect_async("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        if not self._subscribed.wait(10):
            raise RuntimeError("the bench's watcher could not subscribe")

    def on(self, topic: str) -> list[tuple[float, bytes]]:
        with self._lock:
            return [(t, payload) for t, top, payload in self.messages if top == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class Sent:
    """One typed command as the sender saw it."""

    n: int
    text: str
    at: float
    accepted: Optional[bool] = None
    acked_at: Optional[float] = None
    in_doubt: bool = False
    error: str = ""


class Sender:
    """Home Assistant's side: a QoS 1 publisher (an :class:`MqttLink`: a message not acknowledged in time is
    reported as failed and never sent later) that reconnects within a second."""

    def __init__(self, port: int, timeout: float = 2.0) -> None:
        from app.config import MqttSettings
        from devices.mqtt import MqttLink

        self.link = MqttLink(MqttSettings(host="127.0.0.1", port=port, publish_timeout=timeout),
                             f"bench-home-assistant-{time.monotonic_ns()}")
        self.link.start()
        self.link._client.reconnect_delay_set(min_delay=0.25, max_delay=1)  # type: ignore[arg-type]
        if not _until(lambda: self.link.connected, 10):
            raise RuntimeError("the bench's sender could not connect")
        self.sent: list[Sent] = []
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="bench-send")

    def send(self, n: int, text: Optional[str] = None) -> Sent:
        """Publish now, in the background: the outcome is filled in when the broker answers or the time is up."""
        record = Sent(n, text or command_text(n), time.monotonic())
        self.sent.append(record)
        self._pool.submit(self._publish, record)
        return record

    def _publish(self, record: Sent) -> None:
        from devices.mqtt import MqttError

        try:
            self.link.publish(COMMAND_TOPIC, record.text)
            record.acked_at, record.accepted = time.monotonic(), True
        except MqttError as err:
            record.in_doubt, record.error, record.accepted = err.in_doubt, str(err), False

    def settled(self) -> bool:
        return all(s.accepted is not None for s in self.sent)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.link.close()


@dataclass
class Scene:
    """One scenario's broker, Hearth, and the clients around them."""

    workdir: Path
    broker_config: str = BROKER_CONFIG
    broker: Broker = field(init=False)
    hearth: HearthProcess = field(init=False)
    watcher: Watcher = field(init=False)
    sender: Sender = field(init=False)

    def __post_init__(self) -> None:
        self.broker = Broker(self.workdir, self.broker_config).start()
        self.hearth = HearthProcess(self.broker.port, self.workdir)
        try:
            self.hearth.wait_connected()
            self.watcher = Watcher(self.broker.port, [REPLY_TOPIC, LIGHT_TOPIC], "watch")
            self.sender = Sender(self.broker.port)
            warm = self.sender.send(0, "turn on the garage light")
            if not _until(lambda: any(json.loads(p).get("text") == warm.text for _, p in self.watcher.on(REPLY_TOPIC)),
                          30):
                raise RuntimeError(f"Hearth did not answer a first command: {self.hearth.log_text()[-2000:]}")
        except BaseException:
            self.hearth.stop()
            self.broker.stop()
            raise
        self.sender.sent.clear()
        self.watcher.messages.clear()

    def replies(self) -> list[tuple[float, dict[str, Any]]]:
        found = []
        for t, payload in self.watcher.on(REPLY_TOPIC):
            try:
                found.append((t, json.loads(payload)))
            except ValueError:
                continue
        return found

    def close(self) -> None:
        for step in (self.sender.close, self.watcher.close, self.hearth.stop, self.broker.stop):
            try:
                step()
            except Exception:  # the rest is still stopped
                pass


def reply_times(sent: list[Sent], replies: list[tuple[float, dict[str, Any]]]) -> list[tuple[Sent, float, dict]]:
    """Each sent command with its first reply (matched by text, in order): (sent, seconds, reply)."""
    waiting: dict[str, list[Sent]] = {}
    for record in sent:
        waiting.setdefault(record.text, []).append(record)
    matched = []
    for t, reply in replies:
        records = waiting.get(str(reply.get("text")))
        if records:
            record = records.pop(0)
            matched.append((record, t - record.at, reply))
    return matched


# -- 1, 2: the broker dies or hangs ------------------------------------------------------------------------------

def classify(sent: list[Sent], replies: list[tuple[float, dict[str, Any]]],
             light: list[tuple[float, bytes]]) -> dict[str, Any]:
    """What became of each command: not accepted, done, failed, lost silently; and commands carried out
    after a reply said they failed."""
    answered: dict[int, tuple[float, dict]] = {}
    for record, _, reply in reply_times(sent, replies):
        answered.setdefault(record.n, (record.at, reply))
    carried: dict[int, int] = {}
    for _, payload in light:
        n = percent_of(payload.decode("utf-8", "replace"))
        if n is not None:
            carried[n] = carried.get(n, 0) + 1
    counts = {"sent": len(sent), "not_accepted": 0, "not_accepted_in_doubt": 0, "not_accepted_but_answered": 0,
              "not_accepted_but_carried_out": 0, "done": 0, "done_not_carried_out": 0, "failed": 0,
              "lost_silently": 0, "lost_but_carried_out": 0, "done_after_failure": 0,
              "done_after_not_confirmed": 0, "carried_out_twice": 0}
    failures: dict[str, int] = {}
    lost: list[int] = []
    for record in sent:
        reply = answered.get(record.n)
        got = carried.get(record.n, 0)
        counts["carried_out_twice"] += got > 1
        if not record.accepted:
            counts["not_accepted"] += 1
            counts["not_accepted_in_doubt"] += record.in_doubt
            counts["not_accepted_but_answered"] += reply is not None
            counts["not_accepted_but_carried_out"] += got > 0
            continue
        if reply is None:
            counts["lost_silently"] += 1
            counts["lost_but_carried_out"] += got > 0
            lost.append(record.n)
        elif reply[1].get("done"):
            counts["done"] += 1
            counts["done_not_carried_out"] += got == 0
        else:
            counts["failed"] += 1
            kind = str(reply[1].get("failure"))
            failures[kind] = failures.get(kind, 0) + 1
            if got:
                counts["done_after_not_confirmed" if kind in _FAILURES_IN_DOUBT else "done_after_failure"] += 1
    return {**counts, "failures": failures, "lost": lost}


def broker_fault(kind: str, commands: int = 100, rate: float = 5.0, outage: float = 10.0,
                 drain: float = 30.0, broker: str = BROKER_CONFIG) -> dict[str, Any]:
    """``kind`` "kill" (SIGKILL, then a new broker on the same port) or "pause" (SIGSTOP, then SIGCONT) for
    ``outage`` seconds in the middle of ``commands`` typed commands sent at ``rate`` a second."""
    with tempfile.TemporaryDirectory(prefix=f"hearth-faults-{kind}-") as folder:
        scene = Scene(Path(folder), broker)
        try:
            start = time.monotonic()
            span = commands / rate
            fault_at, back_at = start + (span - outage) / 2, start + (span + outage) / 2
            faulted = restored = False
            for i in range(commands):
                due = start + i / rate
                while time.monotonic() < due:
                    now = time.monotonic()
                    if not faulted and now >= fault_at:
                        scene.broker.kill() if kind == "kill" else scene.broker.pause(True)
                        faulted = True
                    elif faulted and not restored and now >= back_at:
                        scene.broker.start() if kind == "kill" else scene.broker.pause(False)
                        restored = True
                    time.sleep(min(0.01, max(0.0, due - time.monotonic())))
                scene.sender.send(i + 1)
            while not restored:  # a fault longer than the stream's second half
                if time.monotonic() >= back_at:
                    scene.broker.start() if kind == "kill" else scene.broker.pause(False)
                    restored = True
                time.sleep(0.01)
            last_sent = time.monotonic()

            def all_answered() -> bool:
                if not scene.sender.settled():
                    return False
                answered = {str(r.get("text")) for _, r in scene.replies()}
                return all(s.text in answered for s in scene.sender.sent if s.accepted)

            _until(all_answered, drain, 0.2)
            time.sleep(3.0)  # late device commands and late answers
            figures = classify(scene.sender.sent, scene.replies(), scene.watcher.on(LIGHT_TOPIC))
            log = scene.hearth.log_text()
            figures.update({
                "fault": "SIGKILL, then a new mosquitto on the same port" if kind == "kill" else "SIGSTOP, then SIGCONT",
                "broker": " ".join(line for line in broker.splitlines() if line),
                "outage_s": outage, "rate_per_s": rate,
                "drained_s": round(time.monotonic() - last_sent, 1),
                "reply_ms": stats([dt for _, dt, _ in reply_times(scene.sender.sent, scene.replies())]),
                "hearth_reconnected": bool(scene.hearth.status.get("connected")),
                "hearth_log": {
                    "reply_not_published": log.count("Reply to a typed command not published"),
                    "commands_refused_busy": log.count("commands already waiting"),
                    "commands_expired": log.count("Command from Home Assistant dropped"),
                    "commands_not_sent": log.count("Command not sent"),
                    "commands_not_confirmed": log.count("Command not confirmed"),
                    "tracebacks": log.count("Traceback"),
                },
            })
            return figures
        finally:
            scene.close()


# -- 3: thousands of discovery configs -------------------------------------------------------------------------

class Ticker:
    """A typed command every ``every`` seconds on a thread, until stopped (and at most ``limit``)."""

    def __init__(self, sender: Sender, every: float = 0.2, limit: int = 1000) -> None:
        self.sender, self.every, self.limit = sender, every, limit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        for i in range(self.limit):
            if self._stop.wait(max(0.0, start + i * self.every - time.monotonic())):
                return
            self.sender.send(i % 100 + 1)

    def __enter__(self) -> "Ticker":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def _answers(scene: Scene, timeout: float = 15.0) -> dict[str, Any]:
    """Wait (bounded) for the ticker's commands to be answered; their reply times and outcomes."""
    _until(lambda: scene.sender.settled() and len(reply_times(scene.sender.sent, scene.replies()))
           >= sum(bool(s.accepted) for s in scene.sender.sent), timeout, 0.1)
    matched = reply_times(scene.sender.sent, scene.replies())
    outcomes: dict[str, int] = {}
    for _, _, reply in matched:
        key = "done" if reply.get("done") else str(reply.get("failure"))
        outcomes[key] = outcomes.get(key, 0) + 1
    return {"commands": len(scene.sender.sent), "answered": len(matched),
            "not_accepted": sum(not s.accepted for s in scene.sender.sent),
            "reply_ms": stats([dt for _, dt, _ in matched]), "outcomes": outcomes}


def discovery_flood(configs: int = 5000, every: float = 0.2, limit: float = 60.0) -> dict[str, Any]:
    """``configs`` one-entity configs published (retained, QoS 1) while a typed command goes every ``every`` s."""
    with tempfile.TemporaryDirectory(prefix="hearth-faults-discovery-") as folder:
        scene = Scene(Path(folder))
        devices = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"bench-devices-{time.monotonic_ns()}")
        devices.max_inflight_messages_set(100)
        devices.connect("127.0.0.1", scene.broker.port)
        devices.loop_start()
        try:
            base = int(scene.hearth.status.get("entities", 0))
            with Ticker(scene.sender, every):
                time.sleep(1.0)  # commands answered before the configs, for comparison
                started = time.monotonic()
                infos = [devices.publish(f"{DISCOVERY_PREFIX}/switch/plug_{i}/config", json.dumps(
                    {"name": f"Plug {i}", "cmd_t": f"plugs/{i}/set", "stat_t": f"plugs/{i}/state",
                     "uniq_id": f"plug_{i}"}), qos=1, retain=True) for i in range(configs)]
                for info in infos:
                    info.wait_for_publish(max(0.1, started + limit - time.monotonic()))
                published = time.monotonic() - started
                whole = _until(lambda: scene.hearth.status.get("entities", 0) >= base + configs,
                               max(0.0, started + limit - time.monotonic()), 0.02)
                taken = time.monotonic() - started if whole else None
                parsed_at = next((s["t"] for s in list(scene.hearth.history.queue)
                                  if s.get("discovered", 0) >= configs), None)
                time.sleep(1.0)  # and after
            answers = _answers(scene)
            during = [dt for record, dt, _ in reply_times(scene.sender.sent, scene.replies())
                      if record.at >= started and (taken is None or record.at <= started + taken)]
            last = scene.sender.send(0, f"turn on plug {configs - 1}")  # the last config's entity, in use
            _until(lambda: any(r.get("text") == last.text for _, r in scene.replies()), 10)
            used = next((r for _, r in scene.replies() if r.get("text") == last.text), {})
            return {"configs": configs, "published_s": round(published, 2),
                    "parsed_s": round(parsed_at - started, 2) if parsed_at else None,
                    "taken_up_s": round(taken, 2) if taken is not None else None,
                    "entities": scene.hearth.status.get("entities"), "command_every_s": every,
                    "reply_ms_during": stats(during), **answers,
                    "last_entity_command": {"done": used.get("done"), "reply": used.get("reply")},
                    "hearth_rss_mb": scene.hearth.rss_mb, "broker": "max_queued_messages 20000"}
        finally:
            devices.loop_stop()
            scene.close()


# -- 4: a flood of malformed messages --------------------------------------------------------------------------

def garbage(rng: random.Random, n: int) -> bytes:
    """The n-th malformed payload: random bytes, invalid UTF-8, deep JSON, 1 MB (one in 200), broken JSON."""
    kind = n % 5
    if n % 200 == 7:
        return bytes(rng.getrandbits(8) for _ in range(64)) * 16384  # 1 MB of random-looking bytes
    if kind == 0:
        return rng.randbytes(rng.randint(1, 300))
    if kind == 1:
        return b"\xff\xfe\xc3" + "é".encode()[:1] * rng.randint(1, 100)  # invalid UTF-8
    if kind == 2:
        return rng.choice([b"[", b'{"a":', b'{"name": [']) * rng.choice([100, 10_000, 60_000])  # deep JSON
    if kind == 3:
        return json.dumps({"name": rng.choice(["", "x" * 300, None, 5]), "cmd_t": rng.choice(["#", "", None]),
                           "dev": rng.choice([[], "x", {"ids": None}])}).encode()
    return json.dumps([rng.random() for _ in range(rng.randint(0, 50))]).encode()[: rng.randint(1, 400)]


def malformed_flood(messages: int = 10_000, every: float = 0.2, limit: float = 120.0) -> dict[str, Any]:
    """``messages`` malformed messages (QoS 0, as fast as they go) on discovery, state and command topics,
    while a typed command goes every ``every`` s."""
    topics = [f"{DISCOVERY_PREFIX}/switch/junk/config", f"{DISCOVERY_PREFIX}/device/junk/config",
              f"{DISCOVERY_PREFIX}/light/n/junk/config", LIGHT_STATE, COMMAND_TOPIC]
    with tempfile.TemporaryDirectory(prefix="hearth-faults-flood-") as folder:
        scene = Scene(Path(folder))
        flood = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"bench-flood-{time.monotonic_ns()}")
        flood.connect("127.0.0.1", scene.broker.port)
        flood.loop_start()
        rng = random.Random(33)
        try:
            time.sleep(1.0)
            rss_before = scene.hearth.rss_mb
            with Ticker(scene.sender, every):
                time.sleep(1.0)
                started = time.monotonic()
                infos = [flood.publish(rng.choice(topics), garbage(rng, n), qos=0) for n in range(messages)]
                for info in infos:
                    info.wait_for_publish(max(0.1, started + limit - time.monotonic()))
                sent_s = time.monotonic() - started
                time.sleep(2.0)
            flooded_until = time.monotonic()
            answers = _answers(scene)
            during = [dt for record, dt, _ in reply_times(scene.sender.sent, scene.replies())
                      if started <= record.at <= flooded_until]
            outcomes_during: dict[str, int] = {}
            for record, _, reply in reply_times(scene.sender.sent, scene.replies()):
                if started <= record.at <= flooded_until:
                    key = "done" if reply.get("done") else str(reply.get("failure"))
                    outcomes_during[key] = outcomes_during.get(key, 0) + 1
            after = scene.sender.send(0, "turn off the garage light")
            _until(lambda: any(r.get("text") == after.text for _, r in scene.replies()), 15)
            answered_after = next((r for _, r in scene.replies() if r.get("text") == after.text), {})
            log = scene.hearth.log_text()
            return {"messages": messages, "published_s": round(sent_s, 2), "rss_before_mb": rss_before,
                    "rss_after_mb": scene.hearth.rss_mb, "peak_rss_mb": scene.hearth.peak_rss_mb,
                    "reply_ms_during": stats(during), "outcomes_during": outcomes_during, **answers,
                    "answers_after": bool(answered_after.get("done")), "reply_after": answered_after.get("reply"),
                    "connected_after": bool(scene.hearth.status.get("connected")),
                    "hearth_log_lines": log.count("\n"), "tracebacks": log.count("Traceback")}
        finally:
            flood.loop_stop()
            scene.close()


# -- 5: Wyoming with a thousand idle connections and a client that never reads -----------------------------------

async def _request(port: int, events: list[Any], until: tuple[str, ...], timeout: float = 10.0) -> tuple[float, str]:
    """Seconds from connecting to the answer, on a new connection as Home Assistant opens one per request."""
    from wyoming.event import async_read_event, async_write_event

    started = time.monotonic()
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        for event in events:
            await async_write_event(event, writer)
        while True:
            event = await asyncio.wait_for(async_read_event(reader), max(0.01, started + timeout - time.monotonic()))
            if event is None:
                return time.monotonic() - started, "closed"
            if event.type in until or event.type == "error":
                return time.monotonic() - started, event.type
    finally:
        writer.close()


async def _wyoming_scene(port: int, idle: int, requests: int) -> dict[str, Any]:
    from wyoming.asr import Transcript
    from wyoming.event import async_write_event
    from wyoming.info import Describe
    from wyoming.tts import Synthesize

    async def measure(count: int) -> dict[str, Any]:
        describe, understand, kinds = [], [], []
        for i in range(count):
            dt, kind = await _request(port, [Describe().event()], ("info",))
            describe.append(dt)
            kinds.append(kind)
            dt, kind = await _request(port, [Transcript(text=command_text(i % 100 + 1)).event()],
                                      ("intent", "not-recognized", "handled", "not-handled"))
            understand.append(dt)
            kinds.append(kind)
            await asyncio.sleep(0.2)
        return {"describe_ms": stats(describe), "transcript_ms": stats(understand),
                "answers": {k: kinds.count(k) for k in sorted(set(kinds))}}

    quiet = await measure(max(3, requests // 3))
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    started = time.monotonic()
    for _ in range(idle):
        try:
            opened.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5))
        except (OSError, asyncio.TimeoutError):
            break
    open_s = time.monotonic() - started
    await asyncio.sleep(1.0)  # all accepted by the server's loop
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a sentence or two
    silent.connect(("127.0.0.1", port))
    _, silent_writer = await asyncio.open_connection(sock=silent)
    long_text = " ".join(f"Light {i} is on." for i in range(150))  # minutes of speech, cut at max_text_length
    await async_write_event(Synthesize(text=long_text).event(), silent_writer)  # and never reads
    await asyncio.sleep(1.0)  # its synthesis under way
    crowded = await measure(requests)
    # What the idle ones got meanwhile: nothing (still open) or a "busy" refusal and the end.
    refused = closed = 0
    for reader, _ in opened:
        try:
            data = await asyncio.wait_for(reader.read(4096), 0.001)
        except asyncio.TimeoutError:
            continue
        except OSError:
            closed += 1
            continue
        refused += b"busy" in data
        closed += not data
    for _, writer in opened:
        writer.close()
    silent_writer.transport.abort()
    return {"idle_connections": len(opened), "open_s": round(open_s, 2), "idle_refused_busy": refused,
            "idle_closed": closed, "quiet": quiet, "crowded": crowded}


def wyoming_crowd(idle: int = 1000, requests: int = 10, nofile: int = 4096) -> dict[str, Any]:
    """``hearth wyoming`` in a process limited to ``nofile`` descriptors, with ``idle`` idle connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = idle + 200
    if soft < need:  # the bench holds the client ends of the idle connections
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, 4096)), hard))
    settings = {"max_connections": idle + 100, "idle_timeout": 300, "write_timeout": 30}
    with tempfile.TemporaryDirectory(prefix="hearth-faults-wyoming-") as folder:
        home = _ROOT / "app" / "cli" / "demo_home.yaml"
        config = Path(folder) / "config.yaml"
        config.write_text(f"home_file: {home}\ntopic_base: demo\nintents: {{stage: templates}}\n"
                          f"wyoming: {json.dumps(settings)}\n",
                          encoding="utf-8")
        log = Path(folder) / "wyoming.log"
        port = free_port()
        limit = min(nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--config", str(config), "wyoming", "--uri", f"tcp://127.0.0.1:{port}",
             "--no-zeroconf", "--understanding", "intent"], stdout=log.open("wb"), stderr=subprocess.STDOUT,
            cwd=str(_ROOT), env=_child_env(), preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)))
        try:
            if not _until(lambda: "wyoming ready" in log.read_text(errors="replace") or process.poll() is not None,
                          180, 0.2) or process.poll() is not None:
                raise RuntimeError(f"hearth wyoming did not start: {log.read_text(errors='replace')[-2000:]}")
            figures = asyncio.run(asyncio.wait_for(_wyoming_scene(port, idle, requests), 300))
            figures["server_rss_mb"] = _rss_mb(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        output = log.read_text(errors="replace")
    return {**figures, "server_nofile": limit, "settings": settings,
            "slow_reader_dropped": "unread" in output, "tracebacks": output.count("Traceback")}


# -- everything --------------------------------------------------------------------------------------------------

def bench_faults(commands: int = 100, outage: float = 10.0, configs: int = 5000, flood: int = 10_000,
                 idle: int = 1000, requests: int = 10,
                 only: tuple[str, ...] = ("kill", "kill_autosave", "pause", "discovery", "flood", "wyoming")) -> dict[str, Any]:
    """Every scenario; the figures as a dict (``faults_table`` prints them)."""
    report: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "load_1min_at_start": round(os.getloadavg()[0], 2)},
        "hearth": "templates only (no speech models, no LLM); demo home; persistent MqttLink, client id "
                  "hearth-bench-run; connect_home as hearth run wires it; a process of its own",
        "broker": "mosquitto, persistence true (autosave_interval default: 1800 s), max_queued_messages 20000",
    }
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "kill": lambda: broker_fault("kill", commands, outage=outage),
        # The same broker saving its state every second: Hearth's session (its subscription) survives the kill.
        "kill_autosave": lambda: broker_fault("kill", commands, outage=outage, broker=BROKER_CONFIG + AUTOSAVE),
        "pause": lambda: broker_fault("pause", commands, outage=outage),
        "discovery": lambda: discovery_flood(configs),
        "flood": lambda: malformed_flood(flood),
        "wyoming": lambda: wyoming_crowd(idle, requests),
    }
    for name in only:
        started = time.monotonic()
        report[name] = steps[name]()
        report[name]["took_s"] = round(time.monotonic() - started, 1)
    report["targets"] = targets(report)
    return report


def targets(report: dict[str, Any]) -> dict[str, bool]:
    """Each of the issue's targets the report has figures for: met or not."""
    met: dict[str, bool] = {}
    for kind in ("kill", "pause"):  # kill_autosave: a broker setting, not the setup
        if kind in report:
            met[f"{kind}: lost silently 0"] = report[kind]["lost_silently"] == 0
            met[f"{kind}: done after failure 0"] = report[kind]["done_after_failure"] == 0
    if "discovery" in report:
        taken = report["discovery"]["taken_up_s"]
        met["discovery: all entities in <= 10 s"] = taken is not None and taken <= 10.0
        met["discovery: slowest reply <= 1 s"] = report["discovery"]["reply_ms_during"]["max"] <= 1000
    if "flood" in report:
        met["flood: slowest reply <= 1 s"] = report["flood"]["reply_ms_during"]["max"] <= 1000
        met["flood: answers after"] = report["flood"]["answers_after"]
    if "wyoming" in report:
        crowded = report["wyoming"]["crowded"]
        met["wyoming: describe <= 1 s"] = crowded["describe_ms"]["max"] <= 1000
        met["wyoming: transcript <= 1 s"] = crowded["transcript_ms"]["max"] <= 1000
    return met


def faults_table(report: dict[str, Any]) -> str:
    """The figures as a short table."""
    def row(name: str, value: Any) -> str:
        return f"{name:<46}{value}"

    def ms(s: dict[str, Any]) -> str:
        return f"p50 {s['p50']} / p95 {s['p95']} / max {s['max']} ms (n={s['n']})"

    lines = [row("machine", f"{report['machine']['cores']} cores, load {report['machine']['load_1min_at_start']} "
                            "at start"), row("hearth", report["hearth"]), row("broker", report["broker"])]
    for kind in ("kill", "kill_autosave", "pause"):
        if kind not in report:
            continue
        f = report[kind]
        lines += [f"-- broker {kind}: {f['fault']}, {f['outage_s']:g} s, {f['sent']} commands at "
                  f"{f['rate_per_s']:g}/s; {f['broker']}",
                  row("not accepted (sender told)", f"{f['not_accepted']} (in doubt {f['not_accepted_in_doubt']}, "
                                                    f"answered later {f['not_accepted_but_answered']}, carried out "
                                                    f"{f['not_accepted_but_carried_out']})"),
                  row("answered done (light got it)", f"{f['done']} (light never got it: {f['done_not_carried_out']})"),
                  row("answered with a failure", f"{f['failed']} {f['failures']}"),
                  row("LOST SILENTLY (target 0)", f"{f['lost_silently']} {f['lost'][:20]} (carried out anyway: "
                                                  f"{f['lost_but_carried_out']})"),
                  row("done after a failure reply (target 0)", f"{f['done_after_failure']} (after not_confirmed: "
                                                               f"{f['done_after_not_confirmed']})"),
                  row("carried out twice", f['carried_out_twice']),
                  row("reply time", ms(f["reply_ms"])),
                  row("Hearth's log", f["hearth_log"])]
    if "discovery" in report:
        f = report["discovery"]
        lines += [f"-- {f['configs']} discovery configs, a command every {f['command_every_s']:g} s",
                  row("published in", f"{f['published_s']} s"),
                  row("parsed by discovery in", f"{f['parsed_s']} s"),
                  row("in Hearth's home in (target <= 10 s)", f"{f['taken_up_s']} s ({f['entities']} entities)"),
                  row("reply while taking them up (<= 1 s)", ms(f["reply_ms_during"])),
                  row("replies, all commands", f"{ms(f['reply_ms'])}; {f['outcomes']}"),
                  row("a command to the last entity", f["last_entity_command"])]
    if "flood" in report:
        f = report["flood"]
        lines += [f"-- {f['messages']} malformed messages (published in {f['published_s']} s)",
                  row("Hearth RSS before / after / peak", f"{f['rss_before_mb']} / {f['rss_after_mb']} / "
                                                         f"{f['peak_rss_mb']} MB"),
                  row("reply during the flood (<= 1 s)", f"{ms(f['reply_ms_during'])}; {f['outcomes_during']}"),
                  row("answers after (done)", f"{f['answers_after']}: {f['reply_after']}"),
                  row("log lines, tracebacks", f"{f['hearth_log_lines']}, {f['tracebacks']}")]
    if "wyoming" in report:
        f = report["wyoming"]
        lines += [f"-- Wyoming: {f['idle_connections']} idle connections (opened in {f['open_s']} s), a client "
                  f"that never reads; {f['settings']}, {f['server_nofile']} descriptors",
                  row("quiet: describe", ms(f["quiet"]["describe_ms"])),
                  row("quiet: transcript", ms(f["quiet"]["transcript_ms"])),
                  row("crowded: describe (<= 1 s)", ms(f["crowded"]["describe_ms"])),
                  row("crowded: transcript (<= 1 s)", ms(f["crowded"]["transcript_ms"])),
                  row("answers while crowded", f["crowded"]["answers"]),
                  row("idle refused busy / closed", f"{f['idle_refused_busy']} / {f['idle_closed']}"),
                  row("server RSS, tracebacks", f"{f['server_rss_mb']} MB, {f['tracebacks']}")]
    lines.append("-- targets")
    lines += [row(name, "met" if ok else "MISSED") for name, ok in report.get("targets", {}).items()]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--hearth":
        sys.exit(_serve_hearth(int(sys.argv[2])))
    print(faults_table(bench_faults()))
