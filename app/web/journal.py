"""The last utterances, as the page shows them: what was heard, understood, sent and said, and how long
each stage took. Filled by an observer of the assistant (on the utterance thread), read by the page's
threads; bounded, so a long-running service keeps only the newest."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Optional

from app.core.outcome import Outcome

#: Utterances kept.
KEPT = 50


@dataclass(frozen=True)
class Entry:
    """One utterance as it was handled."""

    id: int
    """Stable number for links and forms."""
    at: float
    """Wall-clock time (``time.time()``)."""
    site: str
    """Where it was heard."""
    text: str
    """The words understood (typed, or the transcript or repair chosen)."""
    heard: tuple[str, ...]
    """Speech-to-text's transcripts, likeliest first (empty for typed commands)."""
    intent: Optional[str]
    """What was understood (None: nothing)."""
    slots: dict[str, Any]
    """Its slots."""
    source: str
    """Which part decided: template, llm, none; "repaired" where the words differ from what was heard."""
    targets: tuple[str, ...]
    """Devices acted on or asked about."""
    sent: tuple[tuple[str, str], ...]
    """MQTT messages (topic, payload)."""
    reply: str
    """What Hearth said."""
    failure: Optional[str]
    """Why it was not done, or None."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Each stage's time."""

    @property
    def wrong_or_refused(self) -> bool:
        return self.failure is not None or self.intent is None


class Journal:
    """The newest `KEPT` utterances, thread-safe."""

    def __init__(self, kept: int = KEPT) -> None:
        self._entries: deque[Entry] = deque(maxlen=kept)
        self._lock = threading.Lock()
        self._ids = count(1)

    def record(self, outcome: Outcome, site: str) -> None:
        """An assistant observer: keep ``outcome``."""
        decision = outcome.decision
        heard = tuple(outcome.heard)
        source = decision.recognition.source.value
        if heard and outcome.text.strip().rstrip(".!?。！？").casefold() != heard[0].strip().rstrip(
                ".!?。！？").casefold():
            source += " (repaired)"
        entry = Entry(next(self._ids), time.time(), site, outcome.text, heard, decision.intent,
                      dict(decision.recognition.slots), source, tuple(decision.targets),
                      tuple((m.topic, m.payload) for m in outcome.messages), outcome.reply,
                      outcome.failure.value if outcome.failure else None, dict(outcome.timings_ms))
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[Entry]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._entries))

    def entry(self, entry_id: int) -> Optional[Entry]:
        with self._lock:
            return next((e for e in self._entries if e.id == entry_id), None)
