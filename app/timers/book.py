"""The timers themselves: started, found, changed and finished against a clock, as data.

Pure: the clock is a function handed in, nothing here sleeps, speaks or
publishes (`app.timers.service` does). Which timer "the timer" means follows
Home Assistant's own rules (``homeassistant.components.intent.timers``):
name, then area, then starting duration; with nothing said, the only timer,
else the one the asking site set, else the one in its area. Times are wall
clock seconds, so a timer written to disk keeps running while Hearth is off.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable, Optional


class TimerError(Exception):
    """No timer, or more than one, fits what was said; ``key`` is Home Assistant's error response."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
        """``timer_not_found`` or ``multiple_timers_matched``."""


@dataclass(frozen=True)
class Timer:
    """One timer."""

    id: str
    """Unique id, for events and the MQTT state."""
    site: str
    """The device or satellite that set it, and hears it ring."""
    seconds: int
    """Its duration when it was started, in seconds."""
    ends_at: float
    """Wall-clock time it ends, while running; meaningless while paused."""
    left: float = 0.0
    """Seconds that were left when it was paused."""
    paused: bool = False
    """True while paused."""
    name: Optional[str] = None
    """What the user called it ("pasta"), if anything."""
    area: Optional[str] = None
    """Area of the site that set it."""
    command: Optional[str] = None
    """For a delayed command: the words to carry out when it ends ("turn off the lights")."""

    def seconds_left(self, now: float) -> float:
        """Seconds to go (0 once it has ended)."""
        return max(0.0, self.left if self.paused else self.ends_at - now)

    @property
    def start(self) -> tuple[int, int, int]:
        """Its duration as hours, minutes, seconds."""
        return hms(self.seconds)

    def status(self, now: float) -> dict[str, Any]:
        """What Home Assistant's HassTimerStatus response template reads about one timer."""
        total = round(self.seconds_left(now))
        hours, minutes, seconds = hms(total)
        rounded = rounded_hms(hours, minutes, seconds)
        start = self.start
        return {
            "id": self.id, "name": self.name or "", "area": self.area or "", "is_active": not self.paused,
            "start_hours": start[0], "start_minutes": start[1], "start_seconds": start[2],
            "hours_left": hours, "minutes_left": minutes, "seconds_left": seconds,
            "rounded_hours_left": rounded[0], "rounded_minutes_left": rounded[1], "rounded_seconds_left": rounded[2],
            "total_seconds_left": total,
        }

    def to_json(self) -> dict[str, Any]:
        """As written to the timers file."""
        return asdict(self)


def hms(total: int) -> tuple[int, int, int]:
    """``total`` seconds as hours, minutes, seconds."""
    minutes, seconds = divmod(max(0, int(total)), 60)
    hours, minutes = divmod(minutes, 60)
    return hours, minutes, seconds


def rounded_hms(hours: int, minutes: int, seconds: int) -> tuple[int, int, int]:
    """Time left as one says it: whole or half hours, whole or half minutes, tens of seconds
    (Home Assistant's ``_round_time``)."""
    if hours > 0:
        if minutes > 45:
            return hours + 1, 0, 0
        return hours, 0 if minutes < 15 else 30, 0
    if minutes > 0:
        if seconds > 45:
            return 0, minutes + 1, 0
        return 0, minutes, 0 if seconds < 15 else 30
    if seconds > 50:
        return 0, 1, 0
    return 0, 0, seconds if seconds < 10 else seconds - seconds % 10


def slot_seconds(slots: dict[str, Any], prefix: str = "") -> Optional[int]:
    """The duration the slots give (``hours``/``minutes``/``seconds``, or ``start_hours``...), or None."""
    parts = [slots.get(f"{prefix}{unit}") for unit in ("hours", "minutes", "seconds")]
    if all(part is None for part in parts):
        return None
    total = 0.0
    for part, scale in zip(parts, (3600, 60, 1)):
        try:
            total += float(part) * scale if part is not None else 0.0
        except (TypeError, ValueError):  # a word a template kept as text: not a duration
            return None
    return round(total)


def _same_name(a: Optional[str], b: Any) -> bool:
    return (a or "").strip().casefold() == str(b).strip().casefold()


class TimerBook:
    """Every timer of the home; not thread-safe (the service holds it under a lock)."""

    def __init__(self, clock: Callable[[], float], timers: tuple[Timer, ...] = ()) -> None:
        self.clock = clock
        """Wall-clock seconds (``time.time``; a fake one in tests)."""
        self.timers: list[Timer] = list(timers)
        """Running and paused timers, oldest first."""

    def start(self, site: str, seconds: int, name: Optional[str] = None, area: Optional[str] = None,
              command: Optional[str] = None) -> Timer:
        """A new running timer."""
        timer = Timer(uuid.uuid4().hex[:12], site, int(seconds), self.clock() + int(seconds), name=name or None,
                      area=area, command=command)
        self.timers.append(timer)
        return timer

    def _filtered(self, slots: dict[str, Any], timers: Optional[list[Timer]] = None) -> list[Timer]:
        """The timers (of ``timers``, else all) fitting the name, area and starting duration said."""
        found = list(self.timers if timers is None else timers)
        if slots.get("name") is not None:
            found = [t for t in found if _same_name(t.name, slots["name"])]
        if slots.get("area") is not None:
            found = [t for t in found if _same_name(t.area, slots["area"])]
        start = slot_seconds(slots, "start_")
        if start is not None:
            found = [t for t in found if t.seconds == start]
        return found

    def find(self, slots: dict[str, Any], site: str, area: Optional[str] = None,
             active: Optional[bool] = None) -> Timer:
        """The one timer meant (``active``: only running ones, or only paused ones), else TimerError."""
        candidates = [t for t in self.timers if active is None or t.paused != active]
        if active is not None and len(candidates) == 1:
            return candidates[0]
        found = self._filtered(slots, candidates)
        if len(found) == 1:
            return found[0]
        for narrower in ([t for t in found if t.site == site], [t for t in found if area and t.area == area]):
            if len(narrower) == 1:
                return narrower[0]
        raise TimerError("multiple_timers_matched" if found else "timer_not_found")

    def find_all(self, slots: dict[str, Any], site: str, area: Optional[str] = None) -> list[Timer]:
        """Every timer fitting what was said, those of the asking site and its area first."""
        found = self._filtered(slots)
        return sorted(found, key=lambda t: (t.site != site, not area or t.area != area))

    def _put(self, timer: Timer) -> Timer:
        self.timers = [timer if t.id == timer.id else t for t in self.timers]
        return timer

    def cancel(self, timer: Timer) -> None:
        """Remove ``timer``."""
        self.timers = [t for t in self.timers if t.id != timer.id]

    def add(self, timer: Timer, seconds: int) -> Timer:
        """Add (or with a negative number, remove) time; a timer cannot go below zero."""
        now = self.clock()
        if timer.paused:
            return self._put(replace(timer, left=max(0.0, timer.left + seconds)))
        return self._put(replace(timer, ends_at=max(now, timer.ends_at + seconds)))

    def pause(self, timer: Timer) -> Timer:
        """Stop the clock of ``timer``."""
        return self._put(replace(timer, paused=True, left=timer.seconds_left(self.clock())))

    def resume(self, timer: Timer) -> Timer:
        """Start the clock of a paused ``timer`` again."""
        return self._put(replace(timer, paused=False, ends_at=self.clock() + timer.left, left=0.0))

    def due(self) -> list[Timer]:
        """Take out the running timers that have ended, earliest first."""
        now = self.clock()
        ended = sorted((t for t in self.timers if not t.paused and t.ends_at <= now), key=lambda t: t.ends_at)
        self.timers = [t for t in self.timers if t not in ended]
        return ended

    def next_end(self) -> Optional[float]:
        """When the next running timer ends, or None."""
        return min((t.ends_at for t in self.timers if not t.paused), default=None)
