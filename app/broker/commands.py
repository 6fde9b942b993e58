"""Typed commands from Home Assistant (Hearth's Command text entity), taken off the network thread.

A flood must not pile up work that acts a minute later, when nobody expects it: the queue is
bounded (a command that does not fit is refused at once) and a command that waited longer than
``max_wait`` is dropped instead of carried out. Every command is answered on
``<prefix>/<site>/reply`` (JSON: the text, Hearth's reply, whether it was done and why not), so
a client that typed it learns what became of it even when nothing was done.
"""

from __future__ import annotations

import collections
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from app.core.assistant import Assistant
from app.core.failure import InputError
from app.core.outcome import Outcome
from devices.hushed import Hushed
from devices.mqtt import MqttError, MqttLink

_LOGGER = logging.getLogger(__name__)

#: Commands waiting at most; a person types a few a minute, so more is a flood.
QUEUE_SIZE = 16
#: Seconds a command may wait for its turn before it is too late to act on it.
MAX_WAIT = 10.0
#: A command that would wait longer than this behind the ones queued (at their recent pace) is
#: refused at once: under a flood, a clear "busy" now is better than an answer seconds later.
BUSY_AFTER = 1.0
#: Commands taken per second, sustained, after a burst of ``BURST``: people and automations type a
#: few; a stream of hundreds is a flood, and understanding each would take the time the network
#: thread needs to answer the rest (on 2 cores, a quarter of it in the fault bench's flood).
RATE = 5.0
BURST = 5


@dataclass(frozen=True)
class Reply:
    """What became of one typed command."""

    text: str
    reply: str
    done: bool
    failure: Optional[str] = None

    def payload(self) -> str:
        return json.dumps({"text": self.text, "reply": self.reply, "done": self.done, "failure": self.failure,
                           "timestamp": time.time()}, ensure_ascii=False)


class CommandIntake:
    """A bounded queue of typed commands and the one thread that carries them out."""

    def __init__(self, assistant: Assistant, link: MqttLink, site: str, reply_topic: str,
                 on_outcome: Optional[Callable[[Outcome], None]] = None, size: int = QUEUE_SIZE,
                 max_wait: float = MAX_WAIT, clock: Callable[[], float] = time.monotonic) -> None:
        self.assistant, self.link, self.site, self.reply_topic = assistant, link, site, reply_topic
        self.on_outcome = on_outcome
        self.max_wait = max_wait
        self._clock = clock
        self._pace = 0.0  # seconds a command took, recently (moving average)
        self._busy_log = Hushed(_LOGGER)
        self._tokens, self._filled = float(BURST), clock()  # a token bucket: RATE a second, BURST at most
        self._queue: "queue.Queue[Optional[tuple[str, float]]]" = queue.Queue(maxsize=size)
        self._unsent: "collections.deque[Reply]" = collections.deque(maxlen=size)  # made while the link was down
        link.when_connected(self._send_unsent)
        self._thread = threading.Thread(target=self._work, name="hearth-commands", daemon=True)

    def start(self) -> "CommandIntake":
        self._thread.start()
        return self

    def put(self, text: str) -> None:
        """Take a command (on the network thread: never blocks)."""
        try:
            if self._queue.qsize() * self._pace > BUSY_AFTER or not self._take_token():
                raise queue.Full
            self._queue.put_nowait((text, self._clock()))
        except queue.Full:
            self._busy_log.warning("Command from Home Assistant refused: %d commands already waiting", self._queue.qsize())
            self._answer(Reply(text, self.assistant.vocab.replies["queue_full"], False, "busy"))

    def _take_token(self) -> bool:
        now = self._clock()
        self._tokens = min(float(BURST), self._tokens + (now - self._filled) * RATE)
        self._filled = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop after the command in hand."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout=timeout)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            text, arrived = item
            waited = self._clock() - arrived
            if waited > self.max_wait:
                _LOGGER.warning("Command from Home Assistant dropped: it waited %.0f s", waited)
                self._answer(Reply(text, self.assistant.vocab.replies["too_late"], False, "expired"))
                continue
            began = self._clock()
            self._answer(self._run(text))
            self._pace = 0.8 * self._pace + 0.2 * (self._clock() - began)

    def _run(self, text: str) -> Reply:
        try:  # its own conversation: a "yes" typed here answers only a question asked here
            outcome = self.assistant.handle(text, site=self.site, conversation="mqtt")
        except InputError as err:
            _LOGGER.warning("Command from Home Assistant refused: %s", err)
            return Reply(text, str(err), False, "bad_input")
        except Exception:  # the service outlives any one command
            _LOGGER.exception("Command from Home Assistant failed")
            return Reply(text, self.assistant.vocab.replies["not_understood"], False, "error")
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        failure: Any = outcome.failure
        return Reply(outcome.text, outcome.reply, failure is None, failure.value if failure is not None else None)

    def _answer(self, reply: Reply) -> None:
        if not self.link.connected:  # said once the link is back: no command goes unanswered
            self._unsent.append(reply)
            return
        self._publish(reply)

    def _send_unsent(self) -> None:
        """After a reconnection (network thread): the replies made while the broker was away."""
        while self._unsent and self._publish(self._unsent.popleft()):
            pass

    def _publish(self, reply: Reply) -> bool:
        """Hand one reply to the broker; False (said in the log) when it could not be."""
        try:
            self.link.publish(self.reply_topic, reply.payload(), wait=False)
        except MqttError as err:
            _LOGGER.warning("Reply to a typed command not published: %s", err)
            return False
        return True
