"""``hearth hub``: understands and answers the utterances satellites send over MQTT.

The hub subscribes to every satellite's utterance topic (shared among hubs
with an MQTT 5 shared subscription when ``--group`` is given, so a house adds
compute by adding a box), runs speech-to-text, intent and action with the
satellite's site (so "in here" means the satellite's room), and streams the
spoken reply back to that satellite as it is synthesised. A timer a
satellite set rings on that satellite (``announce``).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import uuid
from typing import Callable, Iterator, Optional

from app.audio.inputs import SAMPLE_RATE, to_float
from app.audio.tones import chime
from app.core.assistant import Assistant
from app.core.outcome import Outcome
from app.serve.protocol import (
    ProtocolError,
    ReplyChunk,
    Utterance,
    announce_topic,
    decode_utterance,
    encode_reply,
    hub_subscription,
    reply_topic,
)
from app.speak.speaker import Speaker
from app.speak.tts import AudioChunk
from devices.mqtt import MqttError, MqttLink

_LOGGER = logging.getLogger(__name__)

#: Utterances waiting for the worker; beyond this the hub is overloaded and says so.
QUEUE_LIMIT = 32


class Hub:
    """Serves satellites through one MQTT link; one worker thread answers utterances in order."""

    def __init__(self, assistant: Assistant, speaker: Optional[Speaker], link: MqttLink, prefix: str,
                 group: Optional[str] = None, sites: Optional[frozenset[str]] = None) -> None:
        """``sites``: the satellites it serves (the config's ``sites`` and its own); others are refused.
        None: the assistant's configured sites."""
        self.assistant = assistant
        settings = assistant.settings
        self.sites = sites if sites is not None else frozenset(settings.sites) | {settings.site}
        self._refused_sites: set[str] = set()
        self.speaker = speaker
        self.link = link
        self.prefix = prefix
        self.group = group
        self.served = 0
        """Utterances answered."""
        self.rejected = 0
        """Messages that were not utterances."""
        self._queue: "queue.Queue[Optional[Callable[[], object]]]" = queue.Queue(QUEUE_LIMIT)
        self._worker = threading.Thread(target=self._work, name="hearth-hub", daemon=True)

    def start(self) -> None:
        """Subscribe and start answering."""
        self._worker.start()
        self.link.subscribe(hub_subscription(self.prefix, self.group), self._receive)

    def stop(self) -> None:
        """Finish the utterance in hand and stop."""
        self._queue.put(None)
        self._worker.join(timeout=30)

    def _receive(self, topic: str, payload: bytes) -> None:
        """On the network thread: check and queue; the work happens elsewhere."""
        received_at = time.time()
        parts = topic.split("/")
        try:
            utterance = decode_utterance(payload)
        except ProtocolError as err:
            self.rejected += 1
            _LOGGER.warning("Ignored message on %s: %s", topic, err)
            return
        site = parts[-2] if len(parts) >= 2 else utterance.site
        if site not in self.sites:  # a satellite nobody configured: no room, no answer, no action
            self.rejected += 1
            if site not in self._refused_sites and len(self._refused_sites) < 1000:
                self._refused_sites.add(site)
                _LOGGER.warning("Utterance from site %r refused: not in the config's sites", site[:64])
            return
        if site != utterance.site:  # the topic is what broker ACLs protect: trust it
            _LOGGER.warning("Utterance on %s claims site %r; using %r", topic, utterance.site, site)
            utterance = Utterance(site, utterance.utterance_id, utterance.sent_at, utterance.pcm)
        try:
            self._queue.put_nowait(lambda: self.serve(utterance, received_at))
        except queue.Full:
            _LOGGER.error("Hub overloaded: utterance from %s dropped", site)
            self._send(utterance, self.assistant.vocab.replies["busy"], {}, iter(()))

    def _work(self) -> None:
        while (work := self._queue.get()) is not None:
            try:
                work()
            except Exception:  # the hub outlives any one utterance
                _LOGGER.exception("Hub work failed")

    def announce(self, site: str, text: str) -> None:
        """A chime and ``text`` on ``site``'s satellite (thread-safe: synthesis stays on the worker)."""
        def send() -> None:
            rate = self.speaker.tts.sample_rate if self.speaker is not None else SAMPLE_RATE
            audio = itertools.chain([chime(rate)], self._audio(text))
            self._stream(announce_topic(self.prefix, site), f"announce-{uuid.uuid4().hex}", text, {}, audio)
        try:
            self._queue.put_nowait(send)
        except queue.Full:
            _LOGGER.error("Hub overloaded: announcement to %s dropped", site)

    def serve(self, utterance: Utterance, received_at: float) -> Outcome | None:
        """Answer one utterance: decide, act, and stream the reply to its satellite."""
        started = time.time()
        timings = {"uplink": max(0.0, (received_at - utterance.sent_at) * 1000), "queue": (started - received_at) * 1000}
        outcome: Optional[Outcome] = None
        try:
            outcome = self.assistant.handle_speech(to_float(utterance.pcm), site=utterance.site)
            reply = outcome.reply
            timings.update(outcome.timings_ms)
        except Exception:
            _LOGGER.exception("Utterance from %s failed", utterance.site)
            reply = self.assistant.vocab.replies["failed"]
        self._send(utterance, reply, timings, self._audio(reply), outcome is not None and outcome.follow_up)
        self.served += 1
        return outcome

    def _audio(self, text: str) -> Iterator[AudioChunk]:
        return self.speaker.chunks(text) if self.speaker is not None else iter(())

    def _send(self, utterance: Utterance, text: str, timings: dict[str, float], audio: Iterator[AudioChunk],
              follow_up: bool = False) -> None:
        """Stream the reply to the satellite that asked (``follow_up``: it asks something back)."""
        self._stream(reply_topic(self.prefix, utterance.site), utterance.utterance_id, text, timings, audio, follow_up)

    def _stream(self, topic: str, message_id: str, text: str, timings: dict[str, float],
                audio: Iterator[AudioChunk], follow_up: bool = False) -> None:
        """One message per synthesised chunk, then a final one."""
        seq, rate = 0, 22050
        try:
            for chunk in audio:
                rate = chunk.sample_rate
                self.link.publish(topic, encode_reply(ReplyChunk(message_id, seq, False, rate, text,
                                                                 time.time(), timings, chunk.pcm)), wait=False)
                seq += 1
            self.link.publish(topic, encode_reply(ReplyChunk(message_id, seq, True, rate, text,
                                                             time.time(), timings, follow_up=follow_up)), wait=False)
        except MqttError as err:
            _LOGGER.error("Reply on %s not sent: %s", topic, err)
