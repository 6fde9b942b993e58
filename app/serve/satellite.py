"""``hearth satellite``: wake word and end-pointing here, understanding on the hub.

A small device (Pi Zero 2 class) runs only the wake word model and the VAD,
listening exactly as the hub's own loop does (`app.listen.session`: wake
word, push-to-talk, mute). When an utterance ends it sends the audio to the
hub in one MQTT message and plays the reply audio the hub streams back.
While it waits for the reply it does not listen (a satellite has no
barge-in, and no speech-to-text for a stop word); the wait is bounded.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from app.audio.outputs import AudioSink
from app.audio.tones import done_tone, listening_tone
from app.broker.ha_device import MUTE_PAYLOADS
from app.listen.session import ListeningSession, SessionSettings
from app.listen.vad import EndPointer
from app.listen.wake import WakeWordDetector
from app.serve.protocol import (
    ProtocolError,
    ReplyChunk,
    Utterance,
    announce_topic,
    decode_reply,
    encode_utterance,
    reply_topic,
    utterance_topic,
)
from app.speak.tts import AudioChunk
from devices.mqtt import MqttError, MqttLink

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class SatelliteSettings:
    """How one satellite behaves."""

    site: str
    """This satellite's site; the hub maps it to an area."""
    prefix: str = "hearth"
    """MQTT topic prefix shared with the hub."""
    listening: SessionSettings = SessionSettings()
    """Wake word or not, tones."""
    unreachable: str = "Sorry, I can't reach the hub"
    """What to show when the utterance cannot be sent (the vocabulary's ``hub_unreachable``)."""
    reply_timeout: float = 30.0
    """Longest wait for the hub's final reply chunk."""
    follow_up_seconds: float = 5.0
    """When the hub's reply asks something, how long to listen for the answer without the wake word."""


@dataclass
class Exchange:
    """One utterance sent and its reply, with the times measured here."""

    utterance_id: str
    """Id sent to the hub."""
    sent_at: float
    """When the utterance left (time.time())."""
    text: str = ""
    """The reply text."""
    chunks: int = 0
    """Reply chunks received."""
    first_chunk_at: Optional[float] = None
    """When the first reply chunk arrived."""
    finished_at: Optional[float] = None
    """When the final chunk arrived (None: no reply in time)."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """The hub's timings plus ``downlink`` (hub to here, first chunk)."""
    done: threading.Event = field(default_factory=threading.Event)
    """Set when the final chunk arrives."""
    follow_up: bool = False
    """The reply asked something: listen for the answer."""

    def report(self, site: str) -> dict[str, object]:
        """A JSON-able summary for ``--json`` and the benchmark."""
        ms = (lambda t: None if t is None else round((t - self.sent_at) * 1000, 1))
        return {"site": site, "id": self.utterance_id, "reply": self.text, "chunks": self.chunks,
                "first_audio_ms": ms(self.first_chunk_at), "round_trip_ms": ms(self.finished_at),
                "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()}}


class Satellite:
    """Feeds 10 ms frames through wake word and VAD, and exchanges utterances with the hub."""

    def __init__(self, link: MqttLink, settings: SatelliteSettings, endpointer: EndPointer,
                 wake: Optional[WakeWordDetector], sink: AudioSink,
                 on_exchange: Optional[Callable[[Exchange], None]] = None) -> None:
        self.link = link
        self.settings = settings
        self.sink = sink
        self.on_exchange = on_exchange
        self.session = ListeningSession(endpointer, wake, settings.listening,
                                        lambda which: self._playback.put((listening_tone, done_tone)[which]()))
        """Listening, as on the hub's own microphone: wake word, push-to-talk, mute."""
        self._pending: Optional[Exchange] = None
        self.announced: "collections.deque[str]" = collections.deque(maxlen=20)
        """The texts of the last announcements the hub sent (a timer ended)."""
        self._lock = threading.Lock()
        self._playback: "queue.Queue[Optional[AudioChunk]]" = queue.Queue()
        self._player = threading.Thread(target=self._play, name="satellite-playback", daemon=True)

    def start(self) -> None:
        """Subscribe to this site's replies, push-to-talk (``<prefix>/<site>/listen``) and mute
        (``<prefix>/<site>/mute/set``, ON or OFF), as the hub's own device has them; start playback."""
        self._player.start()
        prefix, site = self.settings.prefix, self.settings.site
        self.link.subscribe(reply_topic(prefix, site), self._on_reply)
        self.link.subscribe(announce_topic(prefix, site), self._on_announcement)
        self.link.subscribe(f"{prefix}/{site}/listen", lambda topic, payload: self.session.push_to_talk())
        self.link.subscribe(f"{prefix}/{site}/mute/set", self._on_mute)

    def _on_mute(self, topic: str, payload: bytes) -> None:
        """Exactly ON or OFF, as Home Assistant's switch sends them; anything else changes nothing."""
        if payload not in MUTE_PAYLOADS:
            _LOGGER.warning("Ignored mute payload on %s: %r", topic, payload[:40])
            return
        self.session.set_muted(payload == b"ON")

    def _play(self) -> None:
        while (chunk := self._playback.get()) is not None:
            try:
                self.sink.play(chunk)  # may block for the chunk's duration: never on the network thread
            finally:
                self._playback.task_done()

    def _played(self, limit: float) -> None:
        """Wait (at most ``limit`` seconds) until the reply has been played, so the microphone does not
        take Hearth's own question for the answer."""
        deadline = time.monotonic() + limit
        while self._playback.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    @staticmethod
    def _decoded(topic: str, payload: bytes) -> Optional[ReplyChunk]:
        """The reply chunk on ``topic``; None (logged) when it is malformed."""
        try:
            return decode_reply(payload)
        except ProtocolError as err:
            _LOGGER.warning("Ignored message on %s: %s", topic, err)
            return None

    def _on_reply(self, topic: str, payload: bytes) -> None:
        now = time.time()
        if (chunk := self._decoded(topic, payload)) is None:
            return
        with self._lock:
            exchange = self._pending
            if exchange is None or chunk.utterance_id != exchange.utterance_id:
                return  # late, or another satellite's on a shared site
            self._accept(exchange, chunk, now)

    def _on_announcement(self, topic: str, payload: bytes) -> None:
        """The hub speaks unasked (a timer ended): played as it comes, between two exchanges or during one."""
        if (chunk := self._decoded(topic, payload)) is None:
            return
        if chunk.pcm:
            self._playback.put(AudioChunk(chunk.pcm, chunk.sample_rate))
        if chunk.final:
            self.announced.append(chunk.text)

    def _accept(self, exchange: Exchange, chunk: ReplyChunk, now: float) -> None:
        if exchange.first_chunk_at is None:
            exchange.first_chunk_at = now
            exchange.timings_ms = {**chunk.timings_ms, "downlink": max(0.0, (now - chunk.sent_at) * 1000)}
        exchange.text = chunk.text
        exchange.chunks += 1
        if chunk.pcm:
            self._playback.put(AudioChunk(chunk.pcm, chunk.sample_rate))
        if chunk.final:
            exchange.finished_at = now
            exchange.follow_up = chunk.follow_up
            exchange.done.set()

    def _send(self, pcm: bytes) -> Exchange:
        exchange = Exchange(uuid.uuid4().hex, time.time())
        with self._lock:
            self._pending = exchange
        message = Utterance(self.settings.site, exchange.utterance_id, exchange.sent_at, pcm)
        try:
            self.link.publish(utterance_topic(self.settings.prefix, self.settings.site), encode_utterance(message))
        except MqttError as err:
            _LOGGER.error("Utterance not sent: %s", err)
            exchange.text = self.settings.unreachable
            exchange.done.set()
        if not exchange.done.wait(self.settings.reply_timeout):
            _LOGGER.error("No reply from the hub in %.0f s", self.settings.reply_timeout)
        with self._lock:
            self._pending = None
        if self.on_exchange is not None:
            self.on_exchange(exchange)
        return exchange

    def process(self, frame: bytes) -> None:
        """Feed one 10 ms frame (blocks while the hub answers)."""
        self.session.run_requests()
        audio = self.session.process(frame)
        if audio is not None:
            exchange = self._send(audio)
            if exchange.follow_up and self.settings.follow_up_seconds > 0:
                self._played(self.settings.reply_timeout)
                self.session.start_listening(self.settings.follow_up_seconds)
            else:
                self.session.finish()

    def run(self, frames: Iterable[bytes]) -> None:
        """Process frames until the source ends (each exchange goes to ``on_exchange``; none is kept:
        a satellite runs for months)."""
        for frame in frames:
            self.process(frame)
        self._playback.put(None)
        self._player.join(timeout=60)
