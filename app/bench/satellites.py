"""``hearth bench --satellites N``: N satellites speaking at once to real hub processes.

Starts a Mosquitto on loopback (or uses the configured broker), ``--hubs``
hub processes sharing the work, and N satellite processes, each in its own
room of the demo home, each saying ``--rounds`` commands synthesised with
Piper. The network path is what the satellite design adds over a local
``hearth run``: utterance to hub (uplink) plus first reply chunk back
(downlink), measured with the same clock on loopback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from app.audio.inputs import to_pcm, write_wav
from app.bench.clips import piper_clip
from app.bench.local_broker import free_port, mosquitto_binary, wait_listening
from app.cli.demo import DEMO_HOME
from app.config import Settings
from app.speak.tts import TextToSpeech

#: The demo home's rooms with lights, and what is said in each.
ROOMS = (("kitchen", "Kitchen"), ("living_room", "Living Room"), ("bedroom", "Bedroom"), ("garage", "Garage"))
SENTENCES = ("turn on the lights in here", "turn off the lights in here")


class BenchError(Exception):
    """The benchmark cannot run here; one line."""


def _broker(settings: Settings, workdir: Path, stack: ExitStack) -> tuple[str, int]:
    if settings.mqtt.host:
        return settings.mqtt.host, settings.mqtt.port
    binary = mosquitto_binary()
    if not binary:
        raise BenchError("the satellite benchmark needs mosquitto (MQTT 5 shared subscriptions) or mqtt.host")
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n", encoding="utf-8")
    broker = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.callback(broker.wait, 10)
    stack.callback(broker.terminate)
    try:
        wait_listening(broker, port)
    except RuntimeError as err:
        raise BenchError(str(err)) from None
    return "127.0.0.1", port


def _config(workdir: Path, host: str, port: int, count: int) -> Path:
    config = {"home_file": str(DEMO_HOME), "topic_base": "home",
              "sites": {f"sat{i}": ROOMS[i % len(ROOMS)][0] for i in range(count)},
              "mqtt": {"host": host, "port": port, "topic_prefix": f"hearthbench{port}"},
              "homeassistant": {"import_devices": False, "announce": False}, "audio": {"feedback_sounds": False}}
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _hearth(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "app", "--config", str(config), *args]


def _start_hubs(config: Path, count: int, stack: ExitStack) -> list[subprocess.Popen[str]]:
    hubs = []
    for _ in range(count):
        hub = subprocess.Popen(_hearth(config, "hub", "--group", "bench"), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        stack.callback(hub.wait, 30)
        stack.callback(hub.terminate)
        for line in hub.stdout:
            if "hub ready" in line:
                break
        else:
            raise BenchError(f"hub exited with status {hub.wait()}")
        hubs.append(hub)
    return hubs


def _clip(tts: TextToSpeech, rounds: int, offset: int) -> bytes:
    silence = np.zeros(int(1.5 * 16000), np.float32)
    parts = [np.zeros(8000, np.float32)]
    for n in range(rounds):
        parts += [piper_clip(tts, SENTENCES[(n + offset) % len(SENTENCES)]), silence]
    return to_pcm(np.concatenate(parts))


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    return {"p50": round(float(np.percentile(values, 50)), 1), "p95": round(float(np.percentile(values, 95)), 1),
            "max": round(max(values), 1)}


def bench_satellites(settings: Settings, count: int, rounds: int, hubs: int) -> dict[str, Any]:
    """Run the benchmark; returns the figures."""
    tts = TextToSpeech(settings.tts, settings.intents.language).load()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hearth-bench-")))
        host, port = _broker(settings, workdir, stack)
        config = _config(workdir, host, port, count)
        _start_hubs(config, hubs, stack)
        processes = []
        for i in range(count):
            clip = workdir / f"sat{i}.wav"
            write_wav(clip, _clip(tts, rounds, i))
            processes.append(subprocess.Popen(_hearth(config, "satellite", "--site", f"sat{i}", "--no-wake",
                                                      "--wav", str(clip), "--json"),
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        reports = []
        for process in processes:
            out, err = process.communicate(timeout=600)
            if process.returncode != 0:
                raise BenchError(f"a satellite failed: {err.strip().splitlines()[-1] if err.strip() else process.returncode}")
            reports += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    answered = [r for r in reports if r["round_trip_ms"] is not None]
    network = [r["timings_ms"]["uplink"] + r["timings_ms"]["downlink"] for r in answered]
    return {
        "satellites": count, "hubs": hubs, "utterances": len(reports), "answered": len(answered),
        "right_reply": sum(r["reply"].startswith("Turned") for r in answered),
        "network_ms": _percentiles(network),
        "uplink_ms": _percentiles([r["timings_ms"]["uplink"] for r in answered]),
        "downlink_ms": _percentiles([r["timings_ms"]["downlink"] for r in answered]),
        "queue_ms": _percentiles([r["timings_ms"].get("queue", 0.0) for r in answered]),
        "first_audio_ms": _percentiles([r["first_audio_ms"] for r in answered]),
    }


def satellite_table(report: dict[str, Any]) -> str:
    """The figures as a text table."""
    lines = [f"{report['satellites']} satellites, {report['hubs']} hub(s): {report['answered']}/{report['utterances']} "
             f"answered, {report['right_reply']} with the right reply",
             f"{'':34}{'p50':>8}{'p95':>8}{'max':>8}"]
    for key, label in (("network_ms", "network path (uplink + downlink)"), ("uplink_ms", "satellite -> hub"),
                       ("downlink_ms", "hub -> satellite (first chunk)"), ("queue_ms", "waiting for a free hub"),
                       ("first_audio_ms", "end of speech -> first reply audio")):
        row = report[key]
        lines.append(f"{label:34}{row['p50']:>8}{row['p95']:>8}{row['max']:>8}")
    return "\n".join(lines)
