"""1,000 spoken utterances through the whole loop: no crash, no growth, no leaks."""

from __future__ import annotations

import itertools
import os
import threading
from typing import Iterator

from app.audio.inputs import frames
from app.audio.outputs import NullSink
from app.config import MqttSettings, Settings
from app.core.assistant import Assistant
from app.listen.session import SessionSettings
from app.listen.vad import EndPointer
from app.serve.loop import VoiceLoop, VoiceSettings
from app.speak.speaker import Speaker
from devices.mqtt import MqttLink
from devices.registry import build_home, load_fixture_file
from tests.conftest import FIXTURES, Mosquitto, spoken

COMMANDS = ("turn on the garage light", "turn off the garage light", "lock the front door",
            "what is the temperature in the office", "set the bedroom lamp to 40 percent",
            "turn off the kitchen lights", "open the living room curtains", "pause the tv",
            "start the vacuum", "what's the capital of France")


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_thousand_utterances(mosquitto: Mosquitto, tts, stt) -> None:
    clips = [spoken(tts, 0.3, command, 1.5) for command in COMMANDS]  # 1.5 s: hangover plus VAD lag
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port))
    home = build_home(load_fixture_file(FIXTURES), topic_base="home")
    sink = NullSink()
    with MqttLink(settings.mqtt, "hearth-soak") as link:
        loop = VoiceLoop(Assistant(settings, home, link, stt), EndPointer(), None, Speaker(tts, sink), sink,
                         VoiceSettings(listening=SessionSettings(always_listening=True, feedback_sounds=False), wait_for_replies=True))

        def utterances(count: int) -> Iterator[bytes]:
            for clip in itertools.islice(itertools.cycle(clips), count):
                yield from frames(clip)
            sink.chunks.clear()  # the fake sound card keeps nothing between rounds

        warm = loop.run(utterances(100))
        rss, threads, fds = _rss_kb(), threading.active_count(), _open_fds()
        rest = loop.run(utterances(900))
        grown = (_rss_kb() - rss) / rss
        print(f"soak: {len(warm) + len(rest)} utterances, RSS {rss} kB -> {_rss_kb()} kB ({100 * grown:+.1f}%)")
        outcomes = warm + rest
        assert len(outcomes) == 1000 and loop.failures == 0
        typed = [loop.assistant.understand(command, {}).decision for command in COMMANDS]
        expected = [(d.intent, d.targets) if d.acts else None for d in typed]
        right = [(o.decision.intent, o.decision.targets) == expected[i % len(COMMANDS)] if o.decision.acts
                 else expected[i % len(COMMANDS)] is None for i, o in enumerate(outcomes)]
        wrong = [o.text for i, o in enumerate(outcomes) if o.decision.acts and not right[i]]
        assert wrong == []  # never a wrong action, however long it runs
        assert sum(right[-100:]) >= sum(right[:100]) - 5  # no loss of accuracy over time
        assert all(o.published for o in outcomes if o.decision.acts)  # nothing lost on the way to the broker
        assert grown < 0.05
        assert threading.active_count() == threads and _open_fds() == fds
