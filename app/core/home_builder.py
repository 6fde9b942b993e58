"""Building the view of a newly discovered home off the utterance thread.

Discovery may bring a new registry many times a second at start-up, or a
huge one. Rebuilding the recognisers, the repairer and the LLM stage's
examples costs time that grows with the home; done when the next command
arrived, under the lock every command takes, it made that command wait (and
a hostile config hang it). Here one background thread builds the newest
registry offered, skipping those overtaken while it worked, and evaluates the
LLM stage's fixed prompt so its KV cache matches the prompt requests will
use. The utterance thread only swaps a finished view in, between utterances.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Optional

from app.core.home_view import HomeView
from devices.registry import Home

_LOGGER = logging.getLogger(__name__)


class HomeBuilder:
    """Builds the newest offered home into a view, in the background; ``take()`` hands it over once."""

    def __init__(self, current: Callable[[], HomeView]) -> None:
        self._current = current  # the view the utterance thread holds now: templates and model to share
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._offered: Optional[Home] = None
        self._built: Optional[HomeView] = None
        self._building = False
        self._thread: Optional[threading.Thread] = None

    def offer(self, home: Home) -> None:
        """A new registry (any thread); a later offer replaces one not yet built."""
        with self._lock:
            self._offered = home
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hearth-home", daemon=True)
                self._thread.start()
            self._wake.notify()

    def take(self) -> Optional[HomeView]:
        """The view last built and not yet taken, or None."""
        with self._lock:
            built, self._built = self._built, None
        return built

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until every home offered so far is built (one-shot commands, tests); False on time-out."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._offered is not None or self._building:
                if not self._wake.wait(max(0.0, deadline - time.monotonic())):
                    return False
        return True

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._offered is None:
                    self._wake.wait()
                home, self._offered, self._building = self._offered, None, True
            view = None
            try:
                view = self._build(home)
            except Exception:  # a home that cannot be built leaves the last one in use
                _LOGGER.exception("New home not taken up")
            with self._lock:
                self._building = False
                if view is not None:
                    self._built = view
                self._wake.notify_all()

    def _build(self, home: Home) -> HomeView:
        started = time.perf_counter()
        view = self._current().for_home(home)
        view.word_graph  # what speech-to-text may decode along: built here, not by the next utterance
        if view.llm is not None:
            view.llm.warm()  # the new fixed prompt into the KV cache, not counted against a request
        _LOGGER.info("Home taken up: %d entities, %d areas in %.0f ms", len(home.entities), len(home.areas),
                     (time.perf_counter() - started) * 1000)
        return view
