"""The live voice loop: listen (`app.listen.session`) → understand and act → speak the reply.

:class:`VoiceLoop` consumes 10 ms frames from any source (microphone, WAV
file, stdin), so it runs the same with a sound card or in a test. One
utterance that fails is logged and answered; the loop itself keeps going.
Only the frame thread changes the loop's state: Hermes' "say", mute and
push-to-talk arrive as requests (:meth:`VoiceLoop.say`, ``session``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from app.audio.inputs import SAMPLE_RATE, to_float
from app.audio.outputs import AudioSink, NullSink
from app.audio.tones import chime, done_tone, listening_tone
from app.core.assistant import Assistant
from app.core.outcome import Outcome
from app.listen.session import ListeningSession, SessionSettings, State
from app.listen.stop_word import StopListener
from app.listen.vad import EndPointer
from app.listen.wake import WakeWordDetector
from app.speak.speaker import Speaker

_LOGGER = logging.getLogger(__name__)

__all__ = ["State", "VoiceLoop", "VoiceSettings"]


@dataclass(frozen=True)
class VoiceSettings:
    """How the loop behaves."""

    site: Optional[str] = None
    """Site whose area "in here" means (None: this device)."""
    listening: SessionSettings = SessionSettings()
    """Wake word or not, tones: as the satellite listens."""
    dry_run: bool = False
    """Decide and reply, but send nothing over MQTT."""
    wait_for_replies: bool = False
    """Finish each reply before reading on: for audio files, which have no real time."""
    stop_word: bool = True
    """Saying "stop" while Hearth speaks cuts the reply short, as the wake word does."""
    follow_up_seconds: float = 5.0
    """After Hearth asks something back, it listens this long for the answer without the wake word
    (``conversation.follow_up_seconds``; 0: the wake word is needed again)."""


class VoiceLoop:
    """Drives one microphone's worth of frames through the assistant and speaks its replies."""

    def __init__(self, assistant: Assistant, endpointer: EndPointer, wake: Optional[WakeWordDetector] = None,
                 speaker: Optional[Speaker] = None, sink: Optional[AudioSink] = None,
                 settings: VoiceSettings = VoiceSettings(),
                 on_outcome: Optional[Callable[[Outcome], None]] = None) -> None:
        self.assistant = assistant
        self.speaker = speaker
        self.sink = sink or (speaker.sink if speaker is not None else NullSink())
        self.settings = settings
        self.on_outcome = on_outcome
        # Tones at the voice's rate, so the speaker stream is not reopened between them.
        rate = speaker.tts.sample_rate if speaker is not None else SAMPLE_RATE
        tones = (listening_tone(rate), done_tone(rate))
        self._chime = chime(rate)
        self._announcements: list[str] = []
        self.session = ListeningSession(endpointer, wake, settings.listening, lambda which: self.sink.play(tones[which]))
        """Listening; other threads reach the loop through ``session.request``."""
        use_stop = settings.stop_word and speaker is not None and assistant.stt is not None
        self._stop_word = StopListener(assistant.stt, assistant.vocab) if use_stop else None
        self.failures = 0
        """Utterances that raised an error (answered with an apology)."""
        self._follow_up = False  # the last reply asked something: listen again once it is said

    @property
    def state(self) -> State:
        """What the loop is doing now."""
        return self.session.state

    def say(self, text: str, done: Optional[Callable[[], None]] = None) -> None:
        """Say ``text`` as soon as the frame thread can (thread-safe: Hermes' "say" comes from MQTT);
        ``done()`` once it has been said (at once where there is no voice)."""
        self.session.request(lambda: self.speak(text, done))

    def announce(self, text: str) -> None:
        """A chime, then ``text``, once nobody is talking to Hearth (thread-safe: a timer ends on the timer
        thread)."""
        self.session.request(lambda: self._announcements.append(text))

    def _announce_waiting(self) -> None:
        """Play the next announcement unless Hearth is speaking or listening to someone (frame thread)."""
        busy = self.state is State.SPEAKING or (self.state is State.LISTENING and self.session.wake is not None)
        if self._announcements and not busy:
            self.sink.play(self._chime)
            self.speak(self._announcements.pop(0))

    def speak(self, text: str, done: Optional[Callable[[], None]] = None) -> None:
        """Start saying ``text`` (frame thread only); the loop keeps reading frames meanwhile (barge-in)."""
        if self.speaker is None:
            if done is not None:
                done()
            return
        if self._stop_word is not None:
            self._stop_word.reset()
        self.speaker.say(text, done)
        self.session.state = State.SPEAKING
        if self.settings.wait_for_replies:
            self.speaker.wait()

    def _while_speaking(self, frame: bytes) -> bool:
        """Only the wake word, push-to-talk or a stop word is heard over Hearth's own voice.
        Returns False once the reply has finished."""
        if self.speaker is None or not self.speaker.speaking:
            return False
        self.session.endpointer.observe(frame)  # warm for a barge-in
        woken = self.session.woken(frame)
        stopped = not woken and self._stop_word is not None and self._stop_word.process(frame)
        if woken or stopped:
            _LOGGER.info("Barge-in (%s): reply cut short", "stop word" if stopped else "wake word")
            self.speaker.stop()
            self._follow_up = False
            if self.assistant.timers is not None:  # a ringing timer is heard: no more rings
                self.assistant.timers.silence(self.settings.site or self.assistant.settings.site)
            self.session.start_listening()
        return True

    def _handle_utterance(self, audio: bytes) -> Optional[Outcome]:
        try:
            outcome = self.assistant.handle_speech(to_float(audio), self.settings.site, self.settings.dry_run)
        except Exception:  # one bad utterance must not end the service
            self.failures += 1
            _LOGGER.exception("Utterance failed")
            self.speak(self.assistant.vocab.replies["failed"])
            return None
        self._follow_up = outcome.follow_up and self.settings.follow_up_seconds > 0
        if self.on_outcome is not None:
            self.on_outcome(outcome)  # the action is already published: the light changed before we speak
        self.speak(outcome.reply)
        return outcome

    def process(self, frame: bytes) -> Optional[Outcome]:
        """Feed one 10 ms frame; returns the outcome when an utterance completes."""
        self.session.run_requests()
        self._announce_waiting()
        if self._stop_word is not None and self.state is not State.SPEAKING:
            self._stop_word.observe(frame)  # warm, so a "stop" early in the reply is heard
        if self.state is State.SPEAKING:
            if self._while_speaking(frame):
                return None
            self._rest()
        audio = self.session.process(frame)
        if audio is None:
            return None
        outcome = self._handle_utterance(audio)
        if self.state is not State.SPEAKING:
            self._rest()
        return outcome

    def _rest(self) -> None:
        """After a reply: listen for the answer to a question it asked, else wait for the wake word."""
        if self._follow_up:
            self._follow_up = False
            _LOGGER.info("Listening for the answer (%.0f s)", self.settings.follow_up_seconds)
            self.session.start_listening(self.settings.follow_up_seconds)
        else:
            self.session.finish()

    def run(self, frames: Iterable[bytes]) -> list[Outcome]:
        """Process frames until the source ends; returns every outcome."""
        outcomes = []
        for frame in frames:
            outcome = self.process(frame)
            if outcome is not None:
                outcomes.append(outcome)
        self.session.run_requests()
        if self.speaker is not None:
            self.speaker.wait()  # let the last reply finish
        if self.state is State.SPEAKING:
            self.session.finish()
        return outcomes
