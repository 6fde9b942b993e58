"""Messages the broker delivers again, recognised: QoS 1 is "at least once".

A broker that restarts with its saved session (or a link that drops before its acknowledgement went
out) sends a QoS 1 message again with the DUP flag set, even when the client had already handled it:
a typed "unlock the front door" would run twice. The link remembers what it handled, by topic and a
digest of the payload, for a while, and drops a redelivery of one of them. Only DUP messages are
dropped: the same command sent again by a person is a new message and runs again.
"""

from __future__ import annotations

import collections
import hashlib
import time
from typing import Callable

#: Seconds a handled message is remembered: a broker's redelivery follows its reconnection within seconds.
WINDOW_SECONDS = 120.0
#: Messages remembered at most (QoS 1 only; a flood of QoS 0 takes no place).
SIZE = 256


class Redeliveries:
    """Which QoS 1 messages were handled lately; not thread-safe (one network thread per link)."""

    def __init__(self, size: int = SIZE, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.window, self._clock = size, window, clock
        self._handled: "collections.OrderedDict[tuple[str, bytes], float]" = collections.OrderedDict()

    def again(self, topic: str, payload: bytes, qos: int, dup: bool) -> bool:
        """True when this message is a redelivery of one handled in the window; else it is remembered."""
        if qos == 0:
            return False
        key, now = (topic, hashlib.blake2b(payload, digest_size=16).digest()), self._clock()
        when = self._handled.get(key)
        if dup and when is not None and now - when <= self.window:
            return True
        self._handled[key] = now
        self._handled.move_to_end(key)
        while len(self._handled) > self.size:
            self._handled.popitem(last=False)
        return False
