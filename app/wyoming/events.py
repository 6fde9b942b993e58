"""Reading Wyoming events with bounds, so a client cannot make Hearth read without end.

The ``wyoming`` package's own reader trusts the lengths a client announces
and drops the connection on any malformed line. This one reads the same
framing (a JSON header line, then ``data_length`` bytes of JSON and
``payload_length`` bytes of payload) but refuses sizes over the limits and
says what was wrong, so the server can answer with an ``error`` event: a
malformed header line leaves the stream in step (the line is consumed), an
oversized or unreadable body does not (the connection is then closed).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Optional

from wyoming.event import Event

#: Longest header line; also the StreamReader's limit the server is started with.
MAX_HEADER = 64 * 1024


class EventError(Exception):
    """What was wrong with an event; ``in_step`` is False when the stream can no longer be read."""

    def __init__(self, message: str, in_step: bool = True) -> None:
        super().__init__(message)
        self.in_step = in_step


@dataclass(frozen=True)
class Limits:
    """Largest parts of one event."""

    data_bytes: int = 64 * 1024
    """Extra JSON data after the header line."""
    payload_bytes: int = 1024 * 1024
    """Binary payload (one audio chunk)."""


def _length(header: dict, key: str, limit: int) -> int:
    value = header.get(key) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise EventError(f"{key} is not a length: {value!r}", in_step=False)
    if value > limit:
        raise EventError(f"{key} {value} over the limit of {limit} bytes", in_step=False)
    return value


async def read_event(reader: asyncio.StreamReader, limits: Limits = Limits()) -> Optional[Event]:
    """The next event, None at the end of the stream; EventError for a malformed or oversized one."""
    try:
        line = await reader.readline()
    except (ValueError, asyncio.LimitOverrunError):
        raise EventError(f"header line longer than {MAX_HEADER} bytes", in_step=False) from None
    if not line:
        return None
    try:
        header = json.loads(line)
    except ValueError as err:
        raise EventError(f"header is not JSON: {err}") from None
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise EventError("header is not an object with a type")
    data_length = _length(header, "data_length", limits.data_bytes)
    payload_length = _length(header, "payload_length", limits.payload_bytes)
    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise EventError("data is not an object", in_step=data_length == 0 and payload_length == 0)
    try:
        if data_length:
            extra = json.loads(await reader.readexactly(data_length))
            if not isinstance(extra, dict):
                raise EventError("data is not an object", in_step=payload_length == 0)
            data = {**data, **extra}
        payload = await reader.readexactly(payload_length) if payload_length else None
    except asyncio.IncompleteReadError:
        raise EventError("stream ended inside an event", in_step=False) from None
    except ValueError as err:
        raise EventError(f"data is not JSON: {err}", in_step=False) from None
    return Event(type=header["type"], data=data, payload=payload)
