"""Satellites and hubs as real processes on a real Mosquitto: four rooms speaking at once, two hubs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import paho.mqtt.client as paho
import yaml

from app.audio_in import write_wav
from tests.conftest import FIXTURES, Mosquitto, Subscriber, spoken

#: site → (area, what is said there, light command topics it must reach, payload)
ROOMS = {
    "kitchen_sat": ("kitchen_id", "turn on the lights in here",
                    ["home/light/kitchen_countertop/set", "home/light/kitchen_ceiling/set", "home/light/kitchen_cabinets/set"], "ON"),
    "bedroom_sat": ("bedroom_id", "turn off the lights in here", ["home/light/bedroom_lamp/set"], "OFF"),
    "living_sat": ("living_room_id", "turn on the lights in here",
                   ["home/light/living_room_lamp/set", "home/light/play_corner/set"], "ON"),
    "garage_sat": ("garage_id", "turn off the lights in here", ["home/light/garage/set"], "OFF"),
}


def _config(tmp_path: Path, port: int) -> Path:
    config = {"home_file": str(FIXTURES), "topic_base": "home",
              "sites": {site: area for site, (area, *_) in ROOMS.items()},
              "mqtt": {"host": "127.0.0.1", "port": port},
              "homeassistant": {"import_devices": False, "announce": False},
              "audio": {"feedback_sounds": False}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _hearth(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def _start_hub(config: Path) -> subprocess.Popen[str]:
    hub = subprocess.Popen(_hearth("--config", str(config), "hub", "--group", "hubs"),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in hub.stdout:  # models load first; "hub ready" once subscribed
        if "hub ready" in line:
            return hub
    raise AssertionError(f"hub exited: {hub.wait()}")


def test_four_satellites_at_once_on_two_hubs(tmp_path: Path, mosquitto: Mosquitto, tts) -> None:
    config = _config(tmp_path, mosquitto.port)
    hubs = [_start_hub(config), _start_hub(config)]
    watcher = Subscriber(mosquitto.port, "home/#")
    try:
        garbage = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="garbage")
        garbage.connect("127.0.0.1", mosquitto.port)
        garbage.loop_start()
        for payload in (b"", b"no header", b'{"site": 1}\n\x00', b'{"rate": 8000}\nab', b"\xff" * 5000,
                        b'{"site":"x","id":"1","sent_at":0,"rate":16000,"width":2,"channels":1}\n\x00'):
            garbage.publish("hearth/satellite/x/utterance", payload, qos=1).wait_for_publish(5)
        garbage.loop_stop()
        satellites = {}
        for site, (_, sentence, _, _) in ROOMS.items():
            clip = tmp_path / f"{site}.wav"
            write_wav(clip, spoken(tts, 0.5, sentence, 1.5))
            satellites[site] = subprocess.Popen(
                _hearth("--config", str(config), "satellite", "--site", site, "--no-wake", "--wav", str(clip),
                        "--json", "--output-wav", str(tmp_path / f"{site}-reply.wav")),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reports = {}
        for site, process in satellites.items():
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            (line,) = out.splitlines()
            reports[site] = json.loads(line)
        received = watcher.collect(50, timeout=2)
    finally:
        watcher.close()
        for hub in hubs:
            hub.terminate()
    served = []
    for hub in hubs:
        assert hub.wait(30) == 0  # malformed messages did not bring a hub down
        summary = [line for line in hub.stdout.read().splitlines() if line.startswith("hub served")]
        served.append(int(summary[0].split()[2]))
    assert sum(served) == 4 and min(served) >= 1, served  # shared: each utterance once, both hubs worked
    for site, (_, sentence, topics, state) in ROOMS.items():
        report = reports[site]
        verb = "on" if state == "ON" else "off"
        assert report["reply"] == f"Turned {verb} the lights", (site, report)
        assert report["chunks"] >= 2 and report["round_trip_ms"] is not None
        for topic in topics:  # each utterance was answered once, by one hub
            assert [p for t, p in received if t == topic] == [json.dumps({"state": state})], (site, topic)
        with wave.open(str(tmp_path / f"{site}-reply.wav")) as reply:
            audio = np.frombuffer(reply.readframes(reply.getnframes()), np.int16)
            assert reply.getnframes() / reply.getframerate() > 0.5 and np.abs(audio).max() > 1000
    assert len(received) == sum(len(topics) for _, _, topics, _ in ROOMS.values())
