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

from app.bench.faults.common import command_text, percent_of, stats
from app.bench.faults.report import bench_faults, faults_table, targets, wyoming_crowd
from app.bench.faults.scenarios import (
    broker_fault,
    discovery_flood,
    garbage,
    malformed_flood,
)
from app.bench.faults.traffic import Sent, classify

__all__ = ['bench_faults', 'faults_table', 'targets', 'broker_fault', 'discovery_flood', 'malformed_flood', 'wyoming_crowd', 'Sent', 'classify', 'command_text', 'garbage', 'percent_of', 'stats']
