"""Satellites and hubs as real processes on a real Mosquitto: four rooms speaking at once, two hubs."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import paho.mqtt.client as paho
import yaml

from app.audio.inputs import write_wav
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
            wake = site == "kitchen_sat"  # one satellite wakes on "okay nabu", the others are push-to-talk style
            write_wav(clip, spoken(tts, 1.0, "okay nabu", 0.5, sentence, 1.5) if wake else spoken(tts, 0.5, sentence, 1.5))
            satellites[site] = subprocess.Popen(
                _hearth("--config", str(config), "satellite", "--site", site, "--wav", str(clip),
                        "--json", "--output-wav", str(tmp_path / f"{site}-reply.wav"), *([] if wake else ["--no-wake"])),
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


def test_satellite_benchmark_runs_end_to_end(mosquitto: Mosquitto) -> None:
    """`hearth bench --satellites`: every utterance answered, figures reported (no timing asserted)."""
    from app.bench.satellites import bench_satellites, satellite_table
    from app.config import MqttSettings, Settings

    figures = bench_satellites(Settings(mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port)), 2, 2, 2)
    assert (figures["utterances"], figures["answered"], figures["right_reply"]) == (4, 4, 4)
    assert figures["network_ms"]["p95"] >= figures["network_ms"]["p50"] > 0
    assert "network path" in satellite_table(figures)


def test_protocol_round_trip_and_malformed_messages() -> None:
    import pytest

    from app.serve.protocol import (
        ProtocolError,
        ReplyChunk,
        Utterance,
        decode_reply,
        decode_utterance,
        encode_reply,
        encode_utterance,
        hub_subscription,
    )

    utterance = Utterance("kitchen", "u1", 1700000000.5, b"\x01\x00" * 1600)
    assert decode_utterance(encode_utterance(utterance)) == utterance
    chunk = ReplyChunk("u1", 0, False, 22050, "Turned on the lights", 1.0, {"stt": 120.0}, b"\x00\x10" * 100)
    assert decode_reply(encode_reply(chunk)) == chunk
    assert hub_subscription("hearth", "hubs") == "$share/hubs/hearth/satellite/+/utterance"
    header = b'{"site":"k","id":"1","sent_at":0,"rate":16000,"width":2,"channels":1}\n'
    for bad, reason in ((b"", "no header"), (b"{]\n\x00\x00", "not JSON"), (b"[1]\n", "not a JSON object"),
                        (header + b"\x00", "16-bit"), (header, "no audio"),
                        (header.replace(b"16000", b"8000") + b"\x00\x00", "16 kHz"),
                        (header.replace(b'"k"', b"5") + b"\x00\x00", "site"),
                        (header + b"\x00" * (31 * 32000), "longer than")):
        with pytest.raises(ProtocolError, match=reason):
            decode_utterance(bad)
    with pytest.raises(ProtocolError, match="sample rate"):
        decode_reply(encode_reply(ReplyChunk("u1", 0, True, 1, "", 0.0, {})))
    with pytest.raises(ProtocolError, match="final"):
        decode_reply(b'{"id":"u1","seq":0,"final":"yes","rate":22050,"text":"","sent_at":0}\n')


def test_the_hub_answers_only_the_sites_it_was_configured_for(caplog) -> None:
    """An utterance from a site nobody configured has no room and no owner (#33): refused with one line
    (once per site), never queued, never answered."""
    import logging

    from app.config import Settings
    from app.core.assistant import Assistant
    from app.serve.hub import Hub
    from app.serve.protocol import Utterance, encode_utterance
    from devices.registry import build_home, load_fixture_file
    from tests.conftest import FIXTURES

    class Link:
        def subscribe(self, topic, handler) -> None:
            self.handler = handler

    settings = Settings(sites={"kitchen_sat": "kitchen_id"}, intents={"stage": "templates"})
    link = Link()
    hub = Hub(Assistant(settings, build_home(load_fixture_file(FIXTURES))), None, link, "hearth")  # type: ignore[arg-type]
    link.subscribe("x", hub._receive)
    with caplog.at_level(logging.WARNING, logger="app.serve.hub"):
        for _ in range(3):
            pcm = b"\x01\x00" * 1600
            link.handler("hearth/satellite/stranger/utterance", encode_utterance(Utterance("stranger", "u", 0.0, pcm)))
    assert hub.rejected == 3 and hub._queue.empty()
    assert len([r for r in caplog.records if "stranger" in r.getMessage()]) == 1
    link.handler("hearth/satellite/kitchen_sat/utterance", encode_utterance(Utterance("kitchen_sat", "u", 0.0, pcm)))
    assert hub._queue.qsize() == 1 and hub.rejected == 3  # a configured satellite is served
