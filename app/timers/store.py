"""Timers kept in a small JSON file, so that a restart of the service loses none.

Written whole to a temporary file and renamed over the old one, so a crash
mid-write leaves the previous list. A file that cannot be read is moved
aside (``.bad``) and said in the log: Hearth starts with no timers rather
than not at all.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import fields
from pathlib import Path
from typing import Any

from app.timers.book import Timer

_LOGGER = logging.getLogger(__name__)

#: Version of the file's layout, written into it.
FORMAT = 1


def default_path() -> Path:
    """``$XDG_STATE_HOME/hearth/timers.json`` (``~/.local/state/...``)."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "hearth" / "timers.json"


def _timer(item: Any) -> Timer:
    if not isinstance(item, dict):
        raise ValueError("a timer is not a mapping")
    names = {f.name for f in fields(Timer)}
    timer = Timer(**{k: v for k, v in item.items() if k in names})
    if not isinstance(timer.seconds, int) or not isinstance(timer.ends_at, (int, float)):
        raise ValueError(f"timer {timer.id!r} has no duration or end")
    return timer


def load(path: Path) -> tuple[Timer, ...]:
    """The timers written to ``path``; none when it does not exist or cannot be read."""
    if not path.exists():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return tuple(_timer(item) for item in data["timers"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        bad = path.with_suffix(path.suffix + ".bad")
        _LOGGER.error("Timers file %s unreadable (%s): moved to %s, starting with no timers", path, err, bad)
        try:
            path.replace(bad)
        except OSError:
            pass
        return ()


def save(path: Path, timers: tuple[Timer, ...]) -> None:
    """Write ``timers`` to ``path`` (OSError when it cannot be written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps({"format": FORMAT, "timers": [t.to_json() for t in timers]}, indent=1),
                         encoding="utf-8")
    temporary.replace(path)
