"""The live voice loop: wake word → listen → speech-to-text → intent → action → reply.

:class:`VoiceLoop` consumes 10 ms frames from any source (microphone, WAV
file, stdin), so it runs the same with a sound card or in a test. One
utterance that fails is logged and answered; the loop itself keeps going.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Iterable, Optional

from app.audio_in import SAMPLE_RATE, to_float
from app.audio_out import AudioSink, NullSink
from app.feedback import done_tone, listening_tone
from app.pipeline import Assistant, Outcome
from app.speaker import Speaker
from app.stop_word import StopListener
from app.vad import EndPoint, EndPointer
from app.wake import WakeWordDetector

_LOGGER = logging.getLogger(__name__)


class State(Enum):
    """What the loop is doing."""

    IDLE = "idle"            # waiting for the wake word (or push-to-talk)
    LISTENING = "listening"  # collecting an utterance
    THINKING = "thinking"    # speech-to-text, intent, action
    SPEAKING = "speaking"    # playing the reply


@dataclass(frozen=True)
class VoiceSettings:
    """How the loop behaves."""

    site: Optional[str] = None
    """Site whose area "in here" means (None: this device)."""
    always_listening: bool = False
    """No wake word: every utterance is a command (push-to-talk setups, tests)."""
    feedback_sounds: bool = True
    """Tones when listening starts and ends."""
    dry_run: bool = False
    """Decide and reply, but send nothing over MQTT."""
    wait_for_replies: bool = False
    """Finish each reply before reading on: for audio files, which have no real time."""
    stop_word: bool = True
    """Saying "stop" while Hearth speaks cuts the reply short, as the wake word does."""


class VoiceLoop:
    """Drives one microphone's worth of frames through the assistant."""

    def __init__(self, assistant: Assistant, endpointer: EndPointer, wake: Optional[WakeWordDetector] = None,
                 speaker: Optional[Speaker] = None, sink: Optional[AudioSink] = None,
                 settings: VoiceSettings = VoiceSettings(),
                 on_outcome: Optional[Callable[[Outcome], None]] = None) -> None:
        if wake is None and not settings.always_listening:
            raise ValueError("without a wake word detector the loop must be always_listening")
        self.assistant = assistant
        self.endpointer = endpointer
        self.wake = wake
        self.speaker = speaker
        self.sink = sink or (speaker.sink if speaker is not None else NullSink())
        self.settings = settings
        self.on_outcome = on_outcome
        self.on_state: Optional[Callable[[State], None]] = None
        """Told of every change of state (Home Assistant's pipeline-state sensor)."""
        self.muted = False
        """While muted the wake word and push-to-talk are ignored (Home Assistant's mute switch)."""
        self._state = State.LISTENING if settings.always_listening else State.IDLE
        # Tones at the voice's rate, so the speaker stream is not reopened between them.
        rate = speaker.tts.sample_rate if speaker is not None else SAMPLE_RATE
        self._tones = (listening_tone(rate), done_tone(rate))
        self._talk = threading.Event()
        use_stop = settings.stop_word and speaker is not None and assistant.stt is not None
        self._stop_word = StopListener(assistant.stt) if use_stop else None
        self.failures = 0
        """Utterances that raised an error (answered with an apology)."""

    @property
    def state(self) -> State:
        """What the loop is doing now."""
        return self._state

    @state.setter
    def state(self, state: State) -> None:
        changed, self._state = state is not self._state, state
        if changed and self.on_state is not None:
            self.on_state(state)

    def push_to_talk(self) -> None:
        """Start listening now, as if the wake word had been said (thread-safe)."""
        self._talk.set()

    def _start_listening(self) -> None:
        self.endpointer.reset()
        self.state = State.LISTENING
        if self.settings.feedback_sounds:
            self.sink.play(self._tones[0])

    def _finish(self) -> None:
        self.endpointer.reset()
        self.state = State.LISTENING if self.settings.always_listening else State.IDLE

    def speak(self, text: str) -> None:
        """Start saying ``text``; the loop keeps reading frames meanwhile (barge-in)."""
        if self.speaker is not None:
            if self._stop_word is not None:
                self._stop_word.reset()
            self.speaker.say(text)
            self.state = State.SPEAKING
            if self.settings.wait_for_replies:
                self.speaker.wait()

    def _while_speaking(self, frame: bytes) -> bool:
        """Only the wake word, push-to-talk or a stop word is heard over Hearth's own voice.
        Returns False once the reply has finished."""
        if self.speaker is None or not self.speaker.speaking:
            return False
        self.endpointer.observe(frame)  # warm for a barge-in
        woken = self._talk.is_set() or (self.wake is not None and self.wake.process(frame))
        stopped = not woken and self._stop_word is not None and self._stop_word.process(frame)
        if woken or stopped:
            self._talk.clear()
            _LOGGER.info("Barge-in (%s): reply cut short", "stop word" if stopped else "wake word")
            self.speaker.stop()
            self._start_listening()
        return True

    def _handle_utterance(self, audio: bytes) -> Optional[Outcome]:
        self.state = State.THINKING
        if self.settings.feedback_sounds:
            self.sink.play(self._tones[1])
        try:
            outcome = self.assistant.handle_speech(to_float(audio), self.settings.site, self.settings.dry_run)
        except Exception:  # one bad utterance must not end the service
            self.failures += 1
            _LOGGER.exception("Utterance failed")
            self.speak("Sorry, something went wrong")
            return None
        if self.on_outcome is not None:
            self.on_outcome(outcome)  # the action is already published: the light changed before we speak
        self.speak(outcome.reply)
        return outcome

    def process(self, frame: bytes) -> Optional[Outcome]:
        """Feed one 10 ms frame; returns the outcome when an utterance completes."""
        if self._stop_word is not None and self.state is not State.SPEAKING:
            self._stop_word.observe(frame)  # warm, so a "stop" early in the reply is heard
        if self.state is State.SPEAKING:
            if self._while_speaking(frame):
                return None
            self._finish()
        if self.state is State.IDLE:
            self.endpointer.observe(frame)
            woken = self._talk.is_set() or (self.wake is not None and self.wake.process(frame))
            self._talk.clear()
            if woken and self.muted:
                _LOGGER.info("Wake word ignored: muted")
            elif woken:
                _LOGGER.info("Wake word heard" if self.wake else "Push-to-talk")
                self._start_listening()
            return None
        if self.wake is not None:
            self.wake.process(frame)  # keep the wake word model current for barge-in
        point = self.endpointer.process(frame)
        if point is EndPoint.TIMEOUT:
            _LOGGER.info("No speech after the wake word")
            self._finish()
        elif point in (EndPoint.ENDED, EndPoint.TOO_LONG):
            outcome = self._handle_utterance(bytes(self.endpointer.audio))
            if self.state is not State.SPEAKING:
                self._finish()
            return outcome
        return None

    def run(self, frames: Iterable[bytes]) -> list[Outcome]:
        """Process frames until the source ends; returns every outcome."""
        outcomes = []
        for frame in frames:
            outcome = self.process(frame)
            if outcome is not None:
                outcomes.append(outcome)
        if self.speaker is not None:
            self.speaker.wait()  # let the last reply finish
        if self.state is State.SPEAKING:
            self._finish()
        return outcomes
