"""Speaking replies: speakable text, a cache of common replies, playback that can be interrupted.

Playback runs on its own thread, so the voice loop keeps reading the
microphone while Hearth talks and the wake word can cut it short (barge-in).
Frequent confirmations ("Turned on the lights") are synthesised once and
replayed from memory; everything else streams sentence by sentence. Speech
is synthesised without Piper's random variation, so a reply always sounds
the same (and the cache holds what would have been said anyway).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from typing import Iterable, Iterator, Optional

from app.audio.outputs import AudioSink
from app.speak.tts import AudioChunk, TextToSpeech

_LOGGER = logging.getLogger(__name__)

#: Hearth's own replies, cached along with Home Assistant's fixed confirmations.
OWN_REPLIES = ("Sorry, I didn't understand that", "Sorry, I couldn't reach your devices",
               "Sorry, something went wrong", "Done")

_UNITS = ((r"\s*°\s*F\b", " degrees Fahrenheit"), (r"\s*°\s*C\b", " degrees Celsius"), (r"\s*°", " degrees"),
          (r"(\d)\s*%", r"\1 percent"), (r"(\d)\s*h\b", r"\1 hours"), (r"(\d)\s*min\b", r"\1 minutes"),
          (r"(\d)\s*s\b", r"\1 seconds"), (r"(\d)\s*kWh\b", r"\1 kilowatt hours"), (r"(\d)\s*W\b", r"\1 watts"))


def speakable(text: str) -> str:
    """Text as it should be read: no emoji or symbols, units in words, tidy spacing."""
    for pattern, words in _UNITS:
        text = re.sub(pattern, words, text)
    kept = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("S", "C"))
                   and not "\ufe00" <= ch <= "\ufe0f")  # emoji variation selectors
    return " ".join(kept.split())


def fixed_replies(templates: dict[str, dict[str, str]]) -> list[str]:
    """Response templates without variables: the confirmations worth caching."""
    found = {t.strip() for responses in templates.values() for t in responses.values()
             if "{" not in t and t.strip()}
    return sorted(found | set(OWN_REPLIES))


class Speaker:
    """Says replies through a sink, one at a time, interruptibly."""

    def __init__(self, tts: TextToSpeech, sink: AudioSink, cache_size: int = 128) -> None:
        self.tts = tts
        self.sink = sink
        self.cache_size = cache_size
        self._cache: "OrderedDict[str, tuple[AudioChunk, ...]]" = OrderedDict()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.interrupted = 0
        """How many replies were cut short."""

    def warm(self, texts: Iterable[str]) -> int:
        """Synthesise replies ahead of time; returns how many are cached."""
        for text in texts:
            self._store(speakable(text), tuple(self.tts.synthesize(speakable(text), steady=True)))
        return len(self._cache)

    def _store(self, key: str, chunks: tuple[AudioChunk, ...]) -> None:
        with self._lock:
            self._cache[key] = chunks
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def cached(self, text: str) -> bool:
        """True when ``text`` would be replayed from memory."""
        with self._lock:
            return speakable(text) in self._cache

    def chunks(self, text: str) -> Iterator[AudioChunk]:
        """Audio for ``text``: from the cache, else streamed from the voice (and then cached)."""
        key = speakable(text)
        if not key:
            return
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
        if hit is not None:
            yield from hit
            return
        made = []
        for chunk in self.tts.synthesize(key, steady=True):
            made.append(chunk)
            yield chunk
        self._store(key, tuple(made))

    def _play(self, text: str) -> None:
        try:
            for chunk in self.chunks(text):
                if self._stop.is_set():
                    self.interrupted += 1
                    return
                self.sink.play(chunk)
        except Exception:  # a broken voice must not take the loop down with it
            _LOGGER.exception("Could not speak %r", text)

    def say(self, text: str) -> None:
        """Start saying ``text`` (stopping anything still being said) and return at once."""
        self.stop()
        self._stop.clear()
        self._thread = threading.Thread(target=self._play, args=(text,), name="speaker", daemon=True)
        self._thread.start()

    @property
    def speaking(self) -> bool:
        """True while a reply is being played."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Cut the current reply short (barge-in) and wait for playback to let go."""
        if self.speaking:
            self._stop.set()
            stopper = getattr(self.sink, "stop", None)
            if stopper is not None:
                stopper()
            self._thread.join(5)

    def wait(self, timeout: Optional[float] = None) -> None:
        """Block until the current reply has been played."""
        if self._thread is not None:
            self._thread.join(timeout)
