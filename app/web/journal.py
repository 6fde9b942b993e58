"""The last utterances, as the page shows them: what was heard, understood, sent and said, and how long
each stage took. Filled by an observer of the assistant (on the utterance thread), read by the page's
threads; bounded, so a long-running service keeps only the newest."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Callable, Optional

from app.audio.inputs import to_pcm
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
    """Which part decided: template, taught phrase, llm, none; "repaired" where the words differ from what
    was heard."""
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
    """The newest `KEPT` utterances, thread-safe; the audio of spoken ones for ``keep_audio_seconds``
    (0: never), in memory only."""

    def __init__(self, kept: int = KEPT, keep_audio_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic, taught: Callable[[str], bool] = lambda text: False) -> None:
        self._entries: deque[Entry] = deque(maxlen=kept)
        self._lock = threading.Lock()
        self._ids = count(1)
        self.keep_audio_seconds = keep_audio_seconds
        self._audio: dict[int, tuple[float, bytes]] = {}  # entry id -> (expires, 16 kHz 16-bit PCM)
        self._clock = clock
        self._taught = taught  # whether words are a taught phrase: the templates then read its command

    def audio(self, entry_id: int) -> Optional[bytes]:
        """The entry's audio as 16 kHz PCM while it is kept, else None."""
        with self._lock:
            self._expire()
            kept = self._audio.get(entry_id)
        return kept[1] if kept else None

    def forget_audio(self, entry_id: int) -> bool:
        """Delete the entry's audio now; True when there was some."""
        with self._lock:
            return self._audio.pop(entry_id, None) is not None

    def _expire(self) -> None:
        now, ids = self._clock(), {e.id for e in self._entries}
        for entry_id in [i for i, (expires, _) in self._audio.items() if expires < now or i not in ids]:
            del self._audio[entry_id]

    def record(self, outcome: Outcome, site: str) -> None:
        """An assistant observer: keep ``outcome``."""
        decision = outcome.decision
        heard = tuple(outcome.heard)
        source = decision.recognition.source.value
        if source == "template" and self._taught(outcome.text):
            source = "taught phrase"
        if heard and outcome.text.strip().rstrip(".!?。！？").casefold() != heard[0].strip().rstrip(
                ".!?。！？").casefold():
            source += " (repaired)"
        entry = Entry(next(self._ids), time.time(), site, outcome.text, heard, decision.intent,
                      dict(decision.recognition.slots), source, tuple(decision.targets),
                      tuple((m.topic, m.payload) for m in outcome.messages), outcome.reply,
                      outcome.failure.value if outcome.failure else None, dict(outcome.timings_ms))
        with self._lock:
            self._entries.append(entry)
            if self.keep_audio_seconds > 0 and outcome.audio is not None:
                self._audio[entry.id] = (self._clock() + self.keep_audio_seconds, to_pcm(outcome.audio))
            self._expire()

    def entries(self) -> list[Entry]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._entries))

    def entry(self, entry_id: int) -> Optional[Entry]:
        with self._lock:
            return next((e for e in self._entries if e.id == entry_id), None)
