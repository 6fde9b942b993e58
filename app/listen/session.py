"""One listening session: idle → wake word (or push-to-talk) → listening → end of speech.

The live loop (`app.serve.loop`) and the satellite (`app.serve.satellite`)
listen the same way and differ only in what they do with an utterance: one
answers it here, the other sends it to a hub. The session owns the listening
state; it is driven by one thread, the one that reads the microphone's
frames. Other threads (MQTT's network thread for push-to-talk, mute and
Hermes' "say", discovery) never touch that state: they put requests on
:attr:`ListeningSession.requests`, which the frame thread runs between two
frames.
"""

from __future__ import annotations

import logging
import queue
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Optional

from app.listen.vad import EndPoint, EndPointer
from app.listen.wake import WakeWordDetector

_LOGGER = logging.getLogger(__name__)


class State(Enum):
    """What the device is doing (Home Assistant's pipeline-state sensor shows it)."""

    IDLE = "idle"            # waiting for the wake word (or push-to-talk)
    LISTENING = "listening"  # collecting an utterance
    THINKING = "thinking"    # speech-to-text, intent, action (or the hub is answering)
    SPEAKING = "speaking"    # playing the reply


@dataclass(frozen=True)
class SessionSettings:
    """How a device listens."""

    always_listening: bool = False
    """No wake word: every utterance is a command (push-to-talk setups, tests)."""
    feedback_sounds: bool = True
    """Tones when listening starts and ends."""


class ListeningSession:
    """Feeds 10 ms frames through the wake word and the end-pointer; says when an utterance is complete."""

    def __init__(self, endpointer: EndPointer, wake: Optional[WakeWordDetector],
                 settings: SessionSettings = SessionSettings(), tone: Callable[[int], None] = lambda which: None,
                 on_state: Optional[Callable[[State], None]] = None) -> None:
        if wake is None and not settings.always_listening:
            raise ValueError("without a wake word detector the session must be always_listening")
        self.endpointer = endpointer
        self.wake = wake
        self.settings = settings
        self.on_state = on_state
        """Told of every change of state."""
        self.muted = False
        """While muted the wake word and push-to-talk are ignored (set through ``requests``)."""
        self.requests: "queue.SimpleQueue[Callable[[], None]]" = queue.SimpleQueue()
        """Work from other threads, run by the frame thread between two frames."""
        self._tone = tone
        self._talk = False
        self._state = self._resting()

    def _resting(self) -> State:
        return State.LISTENING if self.settings.always_listening else State.IDLE

    @property
    def state(self) -> State:
        """What the device is doing now."""
        return self._state

    @state.setter
    def state(self, state: State) -> None:
        changed, self._state = state is not self._state, state
        if changed and self.on_state is not None:
            self.on_state(state)

    def request(self, work: Callable[[], None]) -> None:
        """Run ``work`` on the frame thread before the next frame (thread-safe)."""
        self.requests.put(work)

    def push_to_talk(self) -> None:
        """Start listening now, as if the wake word had been said (thread-safe)."""
        self.request(self._press)

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute (thread-safe)."""
        self.request(lambda: setattr(self, "muted", muted))

    def _press(self) -> None:
        self._talk = True

    def run_requests(self) -> None:
        """Run what other threads asked for (the frame thread calls this before each frame)."""
        while True:
            try:
                work = self.requests.get_nowait()
            except queue.Empty:
                return
            try:
                work()
            except Exception:  # a bad request must not stop the microphone
                _LOGGER.exception("Request failed")

    def woken(self, frame: bytes) -> bool:
        """True when the wake word or push-to-talk says to listen (the wake model sees every frame)."""
        heard = self.wake is not None and self.wake.process(frame)
        pressed, self._talk = self._talk, False
        return heard or pressed

    def start_listening(self, timeout_seconds: Optional[float] = None) -> None:
        """Collect an utterance from the next frame on (``timeout_seconds``: how long to wait for speech,
        when not the end-pointer's own: the answer to a question Hearth asked)."""
        self.endpointer.reset(timeout_seconds)
        self.state = State.LISTENING
        if self.settings.feedback_sounds:
            self._tone(0)

    def finish(self) -> None:
        """Back to waiting for the wake word (or straight to listening, without one)."""
        self.endpointer.reset()
        self.state = self._resting()

    def process(self, frame: bytes) -> Optional[bytes]:
        """One frame while idle or listening; the utterance's PCM when it is complete."""
        if self.state is State.IDLE:
            self.endpointer.observe(frame)
            if self.woken(frame):
                if self.muted:
                    _LOGGER.info("Wake word ignored: muted")
                else:
                    _LOGGER.info("Wake word heard" if self.wake else "Push-to-talk")
                    self.start_listening()
            return None
        if self.wake is not None:
            self.wake.process(frame)  # keep the wake word model current for barge-in
        point = self.endpointer.process(frame)
        if point is EndPoint.TIMEOUT:
            if self.wake is not None:  # always listening (no wake word), silence is the normal case: not logged
                _LOGGER.info("No speech after the wake word")
            self.finish()
        elif point in (EndPoint.ENDED, EndPoint.TOO_LONG):
            self.state = State.THINKING
            if self.settings.feedback_sounds:
                self._tone(1)
            return bytes(self.endpointer.audio)
        return None
