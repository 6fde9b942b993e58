"""Requests from other threads reach the frame loop through one queue: no state is torn.

Hermes' "say", the mute switch and push-to-talk arrive on MQTT's network
thread while the frame thread is listening or a reply is playing. Here three
threads fire them as fast as they can during replies, with small fakes for the
voice, the wake word and the end-pointer (no models, no broker).
"""

from __future__ import annotations

import threading
import time
from typing import Iterator

import pytest

from app.config import Settings
from app.core.assistant import Assistant
from app.listen.session import SessionSettings, State
from app.listen.vad import EndPoint
from app.serve.loop import VoiceLoop, VoiceSettings
from app.speak.speaker import Speaker
from app.speak.tts import AudioChunk
from devices.registry import build_home, load_fixture_file
from tests.conftest import FIXTURES

pytestmark = pytest.mark.fast

FRAME = bytes(320)
REQUESTS = 150


class FakeVoice:
    """Three short chunks per reply; the last one is marked so that a complete reply can be counted."""

    sample_rate = 16000

    def synthesize(self, text: str, steady: bool = False) -> Iterator[AudioChunk]:
        for part in (b"a", b"b", b"end"):
            yield AudioChunk(part + text.encode() + bytes(32), self.sample_rate)


class SlowSink:
    """Plays each chunk in a millisecond, remembering what was played and on which thread."""

    def __init__(self) -> None:
        self.played: list[bytes] = []
        self.threads: set[int] = set()

    def play(self, chunk: AudioChunk) -> None:
        self.threads.add(threading.get_ident())
        time.sleep(0.001)
        self.played.append(chunk.pcm)

    def close(self) -> None:
        pass


class FakeWake:
    phrase = "okay fake"

    def process(self, frame: bytes) -> bool:
        return False


class FakeEndPointer:
    """Hears nobody: after push-to-talk it times out (20 frames), like a real one after silence."""

    def __init__(self) -> None:
        self.reset()

    def reset(self, timeout_seconds: float | None = None) -> None:
        self.audio = bytearray()
        self._frames = 0

    def observe(self, frame: bytes) -> None:
        pass

    def process(self, frame: bytes) -> EndPoint:
        self._frames += 1
        return EndPoint.TIMEOUT if self._frames >= 20 else EndPoint.WAITING


def test_say_mute_and_push_to_talk_from_other_threads_during_replies() -> None:
    sink = SlowSink()
    speaker = Speaker(FakeVoice(), sink)  # type: ignore[arg-type]
    assistant = Assistant(Settings(intents={"stage": "templates"}), build_home(load_fixture_file(FIXTURES)))
    loop = VoiceLoop(assistant, FakeEndPointer(), FakeWake(), speaker, sink,  # type: ignore[arg-type]
                     VoiceSettings(listening=SessionSettings(feedback_sounds=False), dry_run=True))
    changes: list[tuple[int, State]] = []
    loop.session.on_state = lambda state: changes.append((threading.get_ident(), state))
    mutes: list[bool] = []

    def fire(request) -> None:
        for i in range(REQUESTS):
            request(i)
            time.sleep(0.0005)

    def mute(i: int) -> None:
        mutes.append(i % 3 == 0)
        loop.session.set_muted(mutes[-1])

    workers = [threading.Thread(target=fire, args=(r,)) for r in (
        lambda i: loop.say(f"reply {i}"), mute, lambda i: loop.session.push_to_talk())]

    def frames() -> Iterator[bytes]:
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            yield FRAME
            time.sleep(0.0002)
        yield from [FRAME] * 100

    frame_thread = threading.get_ident()
    assert loop.run(frames()) == []
    assert changes and {thread for thread, _ in changes} == {frame_thread}  # state changed on one thread only
    assert State.SPEAKING in {state for _, state in changes} and State.LISTENING in {state for _, state in changes}
    assert loop.session.requests.empty() and loop.failures == 0
    assert loop.session.muted is mutes[-1]  # the last request wins, as sent
    assert loop.state in (State.IDLE, State.LISTENING) and not speaker.speaking
    finished = sum(pcm.startswith(b"end") for pcm in sink.played)
    assert finished + speaker.interrupted == REQUESTS  # every reply either played to its end or was cut
    assert len(sink.threads) == 1 and frame_thread not in sink.threads  # one playback thread, not the loop's


class FakeLink:
    """Keeps the satellite's subscriptions, so a test can deliver messages as the network thread would."""

    def __init__(self) -> None:
        self.handlers: dict[str, object] = {}
        self.sent: list[str] = []

    def subscribe(self, topic: str, handler) -> None:
        self.handlers[topic] = handler

    def publish(self, topic: str, payload: bytes) -> None:
        self.sent.append(topic)


def test_satellite_push_to_talk_and_mute_arrive_as_requests() -> None:
    from app.listen.session import SessionSettings
    from app.serve.satellite import Satellite, SatelliteSettings

    link = FakeLink()
    node = Satellite(link, SatelliteSettings("porch", listening=SessionSettings(feedback_sounds=False),  # type: ignore[arg-type]
                                            reply_timeout=0.1), FakeEndPointer(), FakeWake(), SlowSink())
    node.start()
    link.handlers["hearth/porch/mute/set"]("hearth/porch/mute/set", b"ON")
    link.handlers["hearth/porch/listen"]("hearth/porch/listen", b"")
    assert node.session.state is State.IDLE  # nothing changes until the frame thread runs the requests
    node.process(FRAME)
    assert node.session.muted and node.session.state is State.IDLE  # muted: push-to-talk ignored
    for stray in (b"on ", b"On", b"", b"\xff"):  # not what Home Assistant's switch sends: nothing changes (#33)
        link.handlers["hearth/porch/mute/set"]("hearth/porch/mute/set", stray)
    node.process(FRAME)
    assert node.session.muted
    link.handlers["hearth/porch/mute/set"]("hearth/porch/mute/set", b"OFF")
    link.handlers["hearth/porch/listen"]("hearth/porch/listen", b"")
    node.process(FRAME)
    assert not node.session.muted and node.session.state is State.LISTENING
    node.run([FRAME] * 25)  # nobody speaks: back to waiting for the wake word
    assert node.session.state is State.IDLE and link.sent == []
