"""The fault bench's MQTT scenarios: the broker killed or paused under typed commands, 5,000 discovery
configs, a malformed flood.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho

from app.bench.faults.common import (
    _ROOT,
    BROKER_CONFIG,
    COMMAND_TOPIC,
    DISCOVERY_PREFIX,
    LIGHT_STATE,
    LIGHT_TOPIC,
    stats,
    wait_until,
)
from app.bench.faults.processes import _child_env
from app.bench.faults.traffic import Scene, Sender, classify, reply_times


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

            wait_until(all_answered, drain, 0.2)
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
    wait_until(lambda: scene.sender.settled() and len(reply_times(scene.sender.sent, scene.replies()))
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
                whole = wait_until(lambda: scene.hearth.status.get("entities", 0) >= base + configs,
                               max(0.0, started + limit - time.monotonic()), 0.02)
                taken = time.monotonic() - started if whole else None
                parsed_at = next((s["t"] for s in list(scene.hearth.history.queue)
                                  if s.get("discovered", 0) >= configs), None)
                time.sleep(1.0)  # and after
            answers = _answers(scene)
            during = [dt for record, dt, _ in reply_times(scene.sender.sent, scene.replies())
                      if record.at >= started and (taken is None or record.at <= started + taken)]
            last = scene.sender.send(0, f"turn on plug {configs - 1}")  # the last config's entity, in use
            wait_until(lambda: any(r.get("text") == last.text for _, r in scene.replies()), 10)
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


FLOOD_TOPICS = (f"{DISCOVERY_PREFIX}/switch/junk/config", f"{DISCOVERY_PREFIX}/device/junk/config",
                f"{DISCOVERY_PREFIX}/light/n/junk/config", LIGHT_STATE, COMMAND_TOPIC)


def flood(port: int, messages: int, limit: float = 120.0) -> float:
    """Publish ``messages`` malformed messages (QoS 0, as fast as they go) on :data:`FLOOD_TOPICS`;
    the seconds it took. Run in a process of its own (``python -m app.bench.faults --flood``), as an
    attacker would be: in the bench's process, its loop would hold up the clients that time the replies."""
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"bench-flood-{time.monotonic_ns()}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    rng = random.Random(33)
    try:
        started = time.monotonic()
        infos = [client.publish(rng.choice(FLOOD_TOPICS), garbage(rng, n), qos=0) for n in range(messages)]
        for info in infos:
            info.wait_for_publish(max(0.1, started + limit - time.monotonic()))
        return time.monotonic() - started
    finally:
        client.disconnect()
        client.loop_stop()


def malformed_flood(messages: int = 10_000, every: float = 0.2, limit: float = 120.0) -> dict[str, Any]:
    """``messages`` malformed messages from another process (:func:`flood`) on discovery, state and command
    topics, while a typed command goes every ``every`` s."""
    with tempfile.TemporaryDirectory(prefix="hearth-faults-flood-") as folder:
        scene = Scene(Path(folder))
        try:
            time.sleep(1.0)
            rss_before = scene.hearth.rss_mb
            with Ticker(scene.sender, every):
                time.sleep(1.0)
                started = time.monotonic()
                done = subprocess.run([sys.executable, "-m", "app.bench.faults", "--flood", str(scene.broker.port),
                                       str(messages)], capture_output=True, text=True, timeout=limit + 30,
                                      cwd=str(_ROOT), env=_child_env(), check=True)
                sent_s = float(done.stdout.strip().splitlines()[-1])
                time.sleep(2.0)
            flooded_until = time.monotonic()
            answers = _answers(scene)
            during = [dt for record, dt, _ in reply_times(scene.sender.sent, scene.replies())
                      if started <= record.at <= flooded_until]
            outcomes_during: dict[str, int] = {}
            timeline = []  # (sent, s after the flood began; reply time, ms; outcome): where the slow ones fall
            for record, dt, reply in reply_times(scene.sender.sent, scene.replies()):
                if started <= record.at <= flooded_until:
                    key = "done" if reply.get("done") else str(reply.get("failure"))
                    outcomes_during[key] = outcomes_during.get(key, 0) + 1
                    timeline.append((round(record.at - started, 2), round(dt * 1000), key))
            after = scene.sender.send(0, "turn off the garage light")
            wait_until(lambda: any(r.get("text") == after.text for _, r in scene.replies()), 15)
            answered_after = next((r for _, r in scene.replies() if r.get("text") == after.text), {})
            log = scene.hearth.log_text()
            return {"messages": messages, "published_s": round(sent_s, 2), "rss_before_mb": rss_before,
                    "rss_after_mb": scene.hearth.rss_mb, "peak_rss_mb": scene.hearth.peak_rss_mb,
                    "reply_ms_during": stats(during), "outcomes_during": outcomes_during, "timeline": timeline,
                    **answers,
                    "answers_after": bool(answered_after.get("done")), "reply_after": answered_after.get("reply"),
                    "connected_after": bool(scene.hearth.status.get("connected")),
                    "hearth_log_lines": log.count("\n"), "tracebacks": log.count("Traceback")}
        finally:
            scene.close()


# -- 5: Wyoming with a thousand idle connections and a client that never reads -----------------------------------
