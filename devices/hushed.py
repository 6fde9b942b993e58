"""Warnings about ignored input, bounded: a flood of malformed messages must not become a flood of log lines.

Each kind of warning (its format string) is logged as it comes up to ``burst`` times in a
``period``; the rest of that period are counted and said in one line when it ends. Writing a line
per message costs the network thread more than ignoring the message does (in the fault bench's
flood, most of its time), and fills the journal that a user reads to find out what went wrong.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

#: Lines of one kind said as they come, per period.
BURST = 5
#: Seconds of one period.
PERIOD = 10.0


def _timer(delay: float, action: Callable[[], None]) -> None:
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()


class Hushed:
    """A logger's warnings, at most ``burst`` lines of each kind per ``period``, then one line with the count."""

    def __init__(self, logger: logging.Logger, burst: int = BURST, period: float = PERIOD,
                 clock: Callable[[], float] = time.monotonic,
                 schedule: Callable[[float, Callable[[], None]], None] = _timer) -> None:
        self.logger, self.burst, self.period = logger, burst, period
        self._clock, self._schedule = clock, schedule
        self._lock = threading.Lock()
        self._kinds: dict[str, list[Any]] = {}  # format -> [period start, said, held back, level]

    def warning(self, msg: str, *args: object) -> None:
        """``logger.warning(msg, *args)``, unless this kind was said ``burst`` times in this period."""
        self._log(logging.WARNING, msg, args)

    def info(self, msg: str, *args: object) -> None:
        """``logger.info(msg, *args)``, the same way."""
        self._log(logging.INFO, msg, args)

    def _log(self, level: int, msg: str, args: tuple[object, ...]) -> None:
        now = self._clock()
        with self._lock:
            kind = self._kinds.get(msg)
            if kind is None or now - kind[0] >= self.period:
                if kind is not None and kind[2]:
                    self._say_held(level, msg, kind[2])
                kind = self._kinds[msg] = [now, 0, 0, level]
            if kind[1] >= self.burst:
                kind[2] += 1
                if kind[2] == 1:  # the period's count is said when it ends, even if nothing else comes
                    self._schedule(self.period - (now - kind[0]), lambda: self._flush(msg))
                return
            kind[1] += 1
        self.logger.log(level, msg, *args, stacklevel=3)  # the record names the caller, not this module

    def _flush(self, msg: str) -> None:
        with self._lock:
            kind = self._kinds.get(msg)
            if kind is None or not kind[2]:
                return
            held, kind[2] = kind[2], 0
            self._say_held(kind[3], msg, held)

    def _say_held(self, level: int, msg: str, held: int) -> None:
        what = msg.split("%")[0].rstrip(" :")
        self.logger.log(level, "%s ...: %d more in %.0f s, not each logged", what, held, self.period)
