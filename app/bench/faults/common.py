"""Constants and small helpers of the fault bench."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Optional

SITE = "bench"
TOPIC_PREFIX = "hearth"
DISCOVERY_PREFIX = "homeassistant"
COMMAND_TOPIC = f"{TOPIC_PREFIX}/{SITE}/command"
REPLY_TOPIC = f"{TOPIC_PREFIX}/{SITE}/reply"
#: The demo home's garage light (``demo_home``: topics under ``demo/``).
LIGHT_TOPIC = "demo/light/garage/set"
LIGHT_STATE = "demo/light/garage/state"
#: The broker as Home Assistant's Mosquitto add-on runs it (persistence), plus room for a big home's configs.
BROKER_CONFIG = "allow_anonymous true\npersistence true\nmax_queued_messages 20000\n"
#: A variant: Mosquitto saving its in-memory state every second, not every 30 minutes.
AUTOSAVE = "autosave_interval 1\n"
_ROOT = Path(__file__).resolve().parents[3]
_FAILURES_IN_DOUBT = ("not_confirmed",)  # a reply that says the command may still happen


def command_text(n: int) -> str:
    return f"set the garage light to {n} percent"


def percent_of(payload: str) -> Optional[int]:
    """The percentage a garage light command carries (brightness 0-255), None if it carries none."""
    try:
        brightness = json.loads(payload).get("brightness")
    except (ValueError, AttributeError):
        return None
    return round(brightness * 100 / 255) if isinstance(brightness, (int, float)) else None


def stats(values: list[float]) -> dict[str, float]:
    """p50, p95 and max in milliseconds (from seconds)."""
    if not values:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(v * 1000 for v in values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))], 1)

    return {"n": len(ordered), "p50": pick(0.5), "p95": pick(0.95), "max": round(ordered[-1], 1)}


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Poll ``condition`` every ``step`` seconds until true or ``timeout`` seconds passed; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def _rss_mb(pid: int, key: str = "VmRSS") -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


# -- processes: Mosquitto and Hearth ------------------------------------------------------------------------------
