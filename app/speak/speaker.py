"""Speaking replies: speakable text, a cache of common replies, playback that can be interrupted.

Playback runs on its own thread, so the voice loop keeps reading the
microphone while Hearth talks and the wake word can cut it short (barge-in).
Frequent confirmations ("Turned on the lights") are synthesised once and
replayed from memory; everything else streams sentence by sentence. Speech
is synthesised without Piper's random variation, so a reply always sounds
the same (and the cache holds what would have been said anyway).
"""

from __future__ import annotations

import functools
import logging
import queue
import re
import threading
import unicodedata
from collections import OrderedDict
from typing import Callable, Iterable, Iterator, Optional

from app.audio.outputs import AudioSink
from app.speak.tts import AudioChunk, TextToSpeech
from intents.vocabulary import Vocabulary, vocabulary

_LOGGER = logging.getLogger(__name__)

_NUMBER = r"(\d+(?:[.,]\d+)?)"


@functools.lru_cache(maxsize=None)
def _unit_patterns(units: tuple[tuple[str, str], ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The vocabulary's written units as patterns: "{n} °C" matches "21.5°C" and "21.5 ° C"."""
    found = []
    for written, said in units:
        before, _, after = written.partition("{n}")
        unit = r"\s*".join(re.escape(char) for char in after.replace(" ", ""))
        end = r"(?!\w)" if after[-1:].isalnum() else ""
        found.append((re.compile(re.escape(before.strip()) + r"\s*" * bool(before) + _NUMBER + r"\s*" + unit + end),
                      said.replace("{n}", "\\1")))
    return tuple(found)


def speakable(text: str, vocab: Vocabulary) -> str:
    """Text as it should be read: no emoji or symbols, numbers with units in the language's words, tidy
    spacing."""
    for pattern, words in _unit_patterns(tuple(vocab.spoken_units.items())):
        text = pattern.sub(words, text)
    kept = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("S", "C"))
                   and not "\ufe00" <= ch <= "\ufe0f")  # emoji variation selectors
    return " ".join(kept.split())


#: Hearth's own replies (the vocabulary's) cached along with Home Assistant's fixed confirmations.
CACHED_REPLIES = ("not_understood", "not_delivered", "failed", "done")


def fixed_replies(templates: dict[str, dict[str, str]], vocab: Vocabulary) -> list[str]:
    """Response templates without variables, and Hearth's own common replies: the ones worth caching."""
    found = {t.strip() for responses in templates.values() for t in responses.values()
             if "{" not in t and t.strip()}
    return sorted(found | {vocab.replies[key] for key in CACHED_REPLIES})


class Speaker:
    """Says replies through a sink, one at a time, interruptibly."""

    def __init__(self, tts: TextToSpeech, sink: AudioSink, cache_size: int = 128) -> None:
        self.tts = tts
        self.sink = sink
        self.vocab = vocabulary(getattr(tts, "language", "en"))
        """The words of the voice's language: how it reads a number with a unit."""
        self.cache_size = cache_size
        self._cache: "OrderedDict[str, tuple[AudioChunk, ...]]" = OrderedDict()
        self._lock = threading.Lock()  # the cache
        self._say_lock = threading.Lock()  # say and stop, from any thread
        self._queue_lock = threading.Lock()  # the queue and the idle flag change together
        self._requests: "queue.SimpleQueue[tuple[int, str, Optional[Callable[[], None]]]]" = queue.SimpleQueue()
        self._idle = threading.Event()
        self._idle.set()
        self._generation = 0
        self._worker: Optional[threading.Thread] = None
        self.interrupted = 0
        """How many replies were cut short."""

    def warm(self, texts: Iterable[str]) -> int:
        """Synthesise replies ahead of time; returns how many are cached."""
        for text in texts:
            said = speakable(text, self.vocab)
            self._store(said, tuple(self.tts.synthesize(said, steady=True)))
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
            return speakable(text, self.vocab) in self._cache

    def chunks(self, text: str) -> Iterator[AudioChunk]:
        """Audio for ``text``: from the cache, else streamed from the voice (and then cached)."""
        key = speakable(text, self.vocab)
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

    def _play(self, generation: int, text: str) -> None:
        try:
            for chunk in self.chunks(text):
                if generation != self._generation:  # stopped, or a newer reply was asked for
                    self.interrupted += 1
                    return
                self.sink.play(chunk)
        except Exception:  # a broken voice must not take the loop down with it
            _LOGGER.exception("Could not speak %r", text)

    def _work(self) -> None:
        """The one playback thread: replies in order (a thread per reply would leave the C
        allocator a new arena to fill each time the CPU is contended)."""
        while True:
            generation, text, done = self._requests.get()
            self._play(generation, text)
            if done is not None:
                try:
                    done()
                except Exception:  # a caller's callback must not end playback for good
                    _LOGGER.exception("After speaking")
            with self._queue_lock:
                if self._requests.empty():
                    self._idle.set()

    def say(self, text: str, done: Optional[Callable[[], None]] = None) -> None:
        """Start saying ``text`` (stopping anything still being said) and return at once (thread-safe);
        ``done()`` is called on the playback thread once it has been said or cut short."""
        with self._say_lock:
            self._interrupt()
            with self._queue_lock:
                self._idle.clear()
                self._requests.put((self._generation, text, done))
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="speaker", daemon=True)
                self._worker.start()

    @property
    def speaking(self) -> bool:
        """True while a reply is being played."""
        return not self._idle.is_set()

    def _interrupt(self) -> None:
        self._generation += 1
        if self.speaking:
            stopper = getattr(self.sink, "stop", None)
            if stopper is not None:
                stopper()
            self._idle.wait(5)

    def stop(self) -> None:
        """Cut the current reply short (barge-in) and wait for playback to let go (thread-safe)."""
        with self._say_lock:
            self._interrupt()

    def wait(self, timeout: Optional[float] = None) -> None:
        """Block until the current reply has been played."""
        self._idle.wait(timeout)
