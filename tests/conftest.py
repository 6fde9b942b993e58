"""Shared fixtures: a real Mosquitto broker on a free port, paths, a subscriber."""

from __future__ import annotations

import getpass
import os
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

import paho.mqtt.client as paho
import pytest

from app.bench.local_broker import free_port, mosquitto_binary, wait_listening

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# The suite carries its own copies (tests/data/README.md), so a fresh clone with
# nothing beside it passes; HEARTH_SHARED=../shared runs the same tests on the
# shared originals (.ci/run does when they are there).
_SHARED = os.environ.get("HEARTH_SHARED")
# Phrases a user taught Hearth on this machine (`hearth teach`) must not change what the tests see.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="hearth-test-data-")
HA_TESTS = Path(_SHARED, "ha-intents-tests", "en") if _SHARED else DATA / "ha_intents_en"
FIXTURES = HA_TESTS / "_fixtures.yaml"
HA_TESTS_ZH = Path(_SHARED, "ha-intents-tests", "zh-cn") if _SHARED else DATA / "ha_intents_zh_cn"
#: German: only in ../shared (no copy here); its test skips, saying so, without it.
HA_TESTS_DE = Path(_SHARED, "ha-intents-tests", "de") if _SHARED else None
DEV_COMMANDS = Path(_SHARED, "eval", "dev_commands.yaml") if _SHARED else DATA / "dev_commands.yaml"


def _mosquitto_binary() -> str:
    found = mosquitto_binary()
    if not found:
        pytest.fail("mosquitto is not installed: run `bash .ci/run` or `apt-get install mosquitto`")
    return found


class Mosquitto:
    """A running broker; ``port`` is where it listens on 127.0.0.1."""

    def __init__(self, workdir: Path, extra_config: str = "allow_anonymous true\n", port: int | None = None) -> None:
        self.port = port or free_port()
        self.conf = workdir / f"mosquitto-{self.port}.conf"
        # Started as root, mosquitto would switch to user "mosquitto", who cannot
        # read pytest's private temp dirs; as anyone else the option is ignored.
        user = f"user {getpass.getuser()}\n"
        self.conf.write_text(f"{user}listener {self.port} 127.0.0.1\n{extra_config}", encoding="utf-8")
        self.log = workdir / f"mosquitto-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "Mosquitto":
        self.proc = subprocess.Popen([_mosquitto_binary(), "-c", str(self.conf)],
                                     stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        try:
            wait_listening(self.proc, self.port)
        except RuntimeError as err:
            raise RuntimeError(f"{err}: {self.log.read_text()}") from None
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


class Subscriber:
    """Collects messages from a broker into a queue."""

    def __init__(self, port: int, topic: str = "#", username: str | None = None, password: str | None = None,
                 fresh_only: bool = False) -> None:
        """``fresh_only``: leave out what the broker kept from before (retained messages sent because of
        the subscription), so a session-wide broker's leftovers from other tests are not collected."""
        self.messages: "queue.Queue[tuple[str, str]]" = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"test-sub-{time.monotonic_ns()}")
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_message = lambda c, u, m: None if fresh_only and m.retain else \
            self.messages.put((m.topic, m.payload.decode()))
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        assert subscribed.wait(5), "subscription not acknowledged"

    def collect(self, count: int, timeout: float = 5.0) -> list[tuple[str, str]]:
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            try:
                got.append(self.messages.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
        return got

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture(scope="session")
def tts():
    """The bundled Piper voice, loaded once."""
    from app.speak.tts import TextToSpeech

    return TextToSpeech().load()


@pytest.fixture(scope="session")
def stt():
    """The bundled tiny.en speech-to-text model, loaded once."""
    from app.stt.speech_to_text import SpeechToText

    return SpeechToText().load()


def spoken(tts, *parts: str | float) -> bytes:
    """16 kHz PCM of phrases (str, spoken by Piper) and pauses (float, seconds of silence)."""
    import numpy as np

    from app.audio.inputs import to_pcm
    from app.bench.clips import piper_clip

    pieces = [piper_clip(tts, p) if isinstance(p, str) else np.zeros(int(p * 16000), np.float32) for p in parts]
    return to_pcm(np.concatenate(pieces))


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """``hearth`` reconfigures logging onto the stderr pytest captured for one test; put it back."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


class RealTimeSink:
    """A fake sound card that takes as long as the audio lasts, and can be stopped."""

    def __init__(self) -> None:
        self.played: list = []
        self.stopped = threading.Event()

    def play(self, chunk) -> None:  # an app.speak.tts.AudioChunk
        self.stopped.clear()
        self.played.append(chunk)
        end = time.monotonic() + chunk.seconds
        while time.monotonic() < end and not self.stopped.is_set():
            time.sleep(0.005)

    def stop(self) -> None:
        self.stopped.set()

    def close(self) -> None:
        pass
