"""Traffic of the fault bench: Home Assistant's side sending typed commands, the devices' side
watching, and how each command ended.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import paho.mqtt.client as paho

from app.bench.faults.common import (
    _FAILURES_IN_DOUBT,
    BROKER_CONFIG,
    COMMAND_TOPIC,
    LIGHT_TOPIC,
    REPLY_TOPIC,
    command_text,
    percent_of,
    wait_until,
)
from app.bench.faults.processes import Broker, HearthProcess


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
        if not wait_until(lambda: self.link.connected, 10):
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
            if not wait_until(lambda: any(json.loads(p).get("text") == warm.text for _, p in self.watcher.on(REPLY_TOPIC)),
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
