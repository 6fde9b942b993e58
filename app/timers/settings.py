"""Settings of timers (``timers:`` in config.yaml), apart from the service so the config loads light."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from app.timers import store


class TimerSettings(BaseModel):
    """Timers, delayed commands and how a finished timer rings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: Optional[str] = None
    """Where timers are kept across restarts (default ``~/.local/state/hearth/timers.json``)."""
    rings: int = Field(3, ge=1, le=10)
    """How many times a finished timer is announced unless "stop" is said first."""
    ring_every_seconds: float = Field(10.0, ge=2.0, le=300.0)
    """Time from one announcement to the next."""
    missed_seconds: float = Field(900.0, ge=0.0)
    """A timer that ended while Hearth was off still rings (or its command still runs) when Hearth comes
    back within this many seconds of its end; older ones are dropped, said in the log."""
    max_hours: float = Field(24.0, gt=0.0, le=168.0)
    """Longest timer."""
    max_timers: int = Field(20, ge=1, le=200)
    """Most timers at once."""

    def path(self) -> Path:
        """The timers file."""
        return Path(self.file).expanduser() if self.file else store.default_path()
