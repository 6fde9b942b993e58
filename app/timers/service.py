"""Timers run by Hearth: kept on disk, ended on time, rung until stopped.

:class:`TimerService` holds the :class:`TimerBook` behind one lock. Timer
intents change it from whichever thread handles the utterance; its own thread
sleeps until the next end and then rings (or, for a delayed command, carries
the command out). What a ring or an event does is the runtime's: the voice
loop speaks it, the hub sends it to the satellite, the MQTT side publishes
the list. :meth:`TimerService.tick` is public so a test drives it with a
fake clock instead of sleeping.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from app.timers import store
from app.timers.book import Timer, TimerBook
from app.timers.intents import Limits, TimerAnswer, TimerChange, apply
from app.timers.settings import TimerSettings
from devices.decision import Decision

_LOGGER = logging.getLogger(__name__)




@dataclass
class _Ring:
    timer: Timer
    count: int
    next_at: float


#: Called with a finished timer and how many times it has rung before (0 the first time).
Ringer = Callable[[Timer, int], None]
#: Called with an event type (``started``, ``updated``, ``cancelled``, ``finished``) and the timer.
Listener = Callable[[str, Timer], None]


class TimerService:
    """Every timer of one Hearth, on its own thread."""

    def __init__(self, settings: TimerSettings = TimerSettings(), path: Optional[Path] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.path = path
        """Timers file; None keeps them in memory only (tests, one-shot commands)."""
        self._lock = threading.Condition()
        self.book = TimerBook(clock, store.load(path) if path else ())
        self._limits = Limits(round(settings.max_hours * 3600), settings.max_timers)
        self._rings: dict[str, _Ring] = {}
        self._stopped = False
        self._changed = False
        self._thread: Optional[threading.Thread] = None
        self.ringer: Ringer = lambda timer, count: None
        """Announces a finished timer on its site (the runtime sets it)."""
        self.run_command: Callable[[Timer], None] = lambda timer: None
        """Carries out a delayed command when its timer ends (the runtime sets it)."""
        self.listeners: list[Listener] = []
        """Told of every change (MQTT state and events)."""
        self._drop_missed()

    def _drop_missed(self) -> None:
        oldest = self.book.clock() - self.settings.missed_seconds
        for timer in [t for t in self.book.timers if not t.paused and t.ends_at < oldest]:
            _LOGGER.warning("Timer %s (%s) ended while Hearth was off, %.0f s ago: dropped", timer.id,
                            timer.name or timer.command or f"{timer.seconds} s", self.book.clock() - timer.ends_at)
            self.book.cancel(timer)

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            store.save(self.path, tuple(self.book.timers))
        except OSError as err:  # the timers still run; only a restart would lose them
            _LOGGER.error("Timers not saved to %s: %s", self.path, err)

    def _tell(self, change: TimerChange) -> None:
        for timer in change.timers:
            for listener in self.listeners:
                try:
                    listener(change.kind, timer)
                except Exception:  # a listener's failure is not the user's problem
                    _LOGGER.exception("Timer listener failed")

    def handle(self, decision: Decision, site: str, area: Optional[str] = None, dry_run: bool = False) -> TimerAnswer:
        """Carry out a timer intent said on ``site``; ``dry_run`` answers without changing anything."""
        with self._lock:
            book = TimerBook(self.book.clock, tuple(self.book.timers)) if dry_run else self.book
            answer = apply(book, decision, site, area, self._limits)
            if answer.change.kind != "none" and not dry_run:
                for timer in answer.change.timers if answer.change.kind == "cancelled" else ():
                    self._rings.pop(timer.id, None)
                self._save()
                self._changed = True
                self._lock.notify_all()  # the next end may have moved
        if not dry_run:
            self._tell(answer.change)
        return answer

    def timers(self) -> tuple[Timer, ...]:
        """The running and paused timers now."""
        with self._lock:
            return tuple(self.book.timers)

    def ringing(self, site: str) -> bool:
        """True while a finished timer of ``site`` is still being announced."""
        with self._lock:
            return any(r.timer.site == site for r in self._rings.values())

    def silence(self, site: str) -> bool:
        """Stop announcing ``site``'s finished timers ("stop"); True when one was ringing."""
        with self._lock:
            gone = [key for key, ring in self._rings.items() if ring.timer.site == site]
            for key in gone:
                del self._rings[key]
            return bool(gone)

    def tick(self) -> Optional[float]:
        """End what is due, announce what should ring now; returns when something next happens."""
        with self._lock:
            now, ended = self.book.clock(), self.book.due()
            if ended:
                self._save()
            for timer in ended:
                if timer.command is None:
                    self._rings[timer.id] = _Ring(timer, 0, now)
            ringing = [r for r in self._rings.values() if r.next_at <= now]
            calls = []
            for ring in ringing:
                calls.append((ring.timer, ring.count))
                ring.count, ring.next_at = ring.count + 1, now + self.settings.ring_every_seconds
                if ring.count >= self.settings.rings:
                    del self._rings[ring.timer.id]
        self._tell(TimerChange("finished", tuple(ended)))
        for timer in ended:
            if timer.command is not None:
                self._call(self.run_command, timer)
        for timer, count in calls:
            self._call(self.ringer, timer, count)
        return self._next_time()

    @staticmethod
    def _call(function: Callable[..., None], *args: object) -> None:
        try:
            function(*args)
        except Exception:  # the timer thread outlives any one announcement or command
            _LOGGER.exception("Timer action failed")

    def _next_time(self) -> Optional[float]:
        with self._lock:
            times = [r.next_at for r in self._rings.values()]
            end = self.book.next_end()
            return min(times + ([end] if end is not None else []), default=None)

    def start(self) -> "TimerService":
        """Start the thread that ends timers on time."""
        self._thread = threading.Thread(target=self._run, name="hearth-timers", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (the timers stay in their file)."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            following = self.tick()
            with self._lock:
                if self._stopped:
                    return
                wait = None if following is None else max(0.0, following - self.book.clock())
                # Woken early by any change; never sleeps past a minute, so a clock set forward is noticed.
                if not self._changed:
                    self._lock.wait(timeout=60.0 if wait is None else min(wait, 60.0))
                self._changed = False
                if self._stopped:
                    return
