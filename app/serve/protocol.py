"""What satellites and hubs say to each other over MQTT.

A satellite does the wake word and end-pointing itself and sends each
utterance as one message, so that with shared subscriptions the whole
utterance reaches one hub. The hub streams the spoken reply back in chunks as
it synthesises them. Every message is a one-line JSON header, a newline, then
raw little-endian 16-bit mono PCM.

Topics, under ``<topic_prefix>/satellite/<site>/``: ``utterance`` (satellite →
hub) and ``reply`` (hub → satellite).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.audio.inputs import SAMPLE_RATE

#: Longest utterance a hub accepts (seconds of 16 kHz audio).
MAX_UTTERANCE_SECONDS = 30
#: Longest header line.
MAX_HEADER = 4096


class ProtocolError(Exception):
    """A message that is not a valid satellite message; one line, logged and ignored."""


def utterance_topic(prefix: str, site: str) -> str:
    """Where a satellite sends its utterances."""
    return f"{prefix}/satellite/{site}/utterance"


def reply_topic(prefix: str, site: str) -> str:
    """Where the hub streams a satellite's replies."""
    return f"{prefix}/satellite/{site}/reply"


def announce_topic(prefix: str, site: str) -> str:
    """Where the hub streams what a satellite says unasked (a timer it set has ended)."""
    return f"{prefix}/satellite/{site}/announce"


def hub_subscription(prefix: str, group: str | None) -> str:
    """Every satellite's utterances; with a group, shared among the hubs of that group."""
    topic = f"{prefix}/satellite/+/utterance"
    return f"$share/{group}/{topic}" if group else topic


@dataclass(frozen=True)
class Utterance:
    """One utterance from a satellite."""

    site: str
    """The satellite's site (its area makes "in here" mean that room)."""
    utterance_id: str
    """Chosen by the satellite; echoed in the reply."""
    sent_at: float
    """Satellite's clock (time.time()) when sent: loopback latency is measured with it."""
    pcm: bytes
    """16 kHz mono 16-bit audio."""


@dataclass(frozen=True)
class ReplyChunk:
    """A piece of a spoken reply."""

    utterance_id: str
    """The utterance this answers."""
    seq: int
    """0, 1, 2... in order."""
    final: bool
    """True on the last piece (which may carry no audio)."""
    sample_rate: int
    """Rate of ``pcm``."""
    text: str
    """The whole reply text (on every chunk, so a satellite without audio can still print it)."""
    sent_at: float
    """Hub's clock when sent."""
    timings_ms: dict[str, float]
    """The hub's per-stage times, and ``uplink`` (satellite to hub)."""
    pcm: bytes = b""
    """16-bit mono audio."""
    follow_up: bool = False
    """On the final piece: the reply asked something, so the satellite listens for the answer without
    the wake word."""


def _pack(header: dict[str, Any], pcm: bytes) -> bytes:
    return json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n" + pcm


def _unpack(payload: bytes) -> tuple[dict[str, Any], bytes]:
    line_end = payload.find(b"\n", 0, MAX_HEADER)
    if line_end < 0:
        raise ProtocolError("no header line")
    try:
        header = json.loads(payload[:line_end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ProtocolError(f"header is not JSON: {err}") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    pcm = payload[line_end + 1:]
    if len(pcm) % 2:
        raise ProtocolError("audio is not 16-bit samples")
    return header, pcm


def _field(header: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = header.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ProtocolError(f"header field '{key}' missing or not {getattr(kind, '__name__', kind)}")
    return value


def encode_utterance(utterance: Utterance) -> bytes:
    """The MQTT payload of an utterance."""
    header = {"site": utterance.site, "id": utterance.utterance_id, "sent_at": utterance.sent_at,
              "rate": SAMPLE_RATE, "width": 2, "channels": 1}
    return _pack(header, utterance.pcm)


def decode_utterance(payload: bytes) -> Utterance:
    """An utterance from its payload; ProtocolError when malformed."""
    header, pcm = _unpack(payload)
    if (header.get("rate"), header.get("width"), header.get("channels")) != (SAMPLE_RATE, 2, 1):
        raise ProtocolError("audio must be 16 kHz mono 16-bit")
    if not pcm:
        raise ProtocolError("no audio")
    if len(pcm) > MAX_UTTERANCE_SECONDS * SAMPLE_RATE * 2:
        raise ProtocolError(f"utterance longer than {MAX_UTTERANCE_SECONDS} s")
    utterance_id = _field(header, "id", str)[:100]
    return Utterance(_field(header, "site", str)[:100], utterance_id, float(_field(header, "sent_at", (int, float))), pcm)


def encode_reply(chunk: ReplyChunk) -> bytes:
    """The MQTT payload of a reply chunk."""
    header = {"id": chunk.utterance_id, "seq": chunk.seq, "final": chunk.final, "rate": chunk.sample_rate,
              "text": chunk.text, "sent_at": chunk.sent_at, "timings_ms": chunk.timings_ms}
    if chunk.follow_up:
        header["follow_up"] = True
    return _pack(header, chunk.pcm)


def decode_reply(payload: bytes) -> ReplyChunk:
    """A reply chunk from its payload; ProtocolError when malformed."""
    header, pcm = _unpack(payload)
    timings = header.get("timings_ms") if isinstance(header.get("timings_ms"), dict) else {}
    rate = _field(header, "rate", int)
    if not 8000 <= rate <= 48000:
        raise ProtocolError(f"sample rate {rate} out of range")
    return ReplyChunk(
        _field(header, "id", str), _field(header, "seq", int), _field(header, "final", bool), rate,
        _field(header, "text", str), float(_field(header, "sent_at", (int, float))),
        {str(k): float(v) for k, v in timings.items() if isinstance(v, (int, float))}, pcm,
        header.get("follow_up") is True,
    )
