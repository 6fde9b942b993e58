"""What Hearth offers over Wyoming, as blocking calls the server runs off its event loop.

``describe`` lists the services; ``transcribe`` is Hearth's speech-to-text
(the home's prompt, the templates' repair); ``synthesize`` streams Hearth's
voice; ``understand`` is Hearth's understanding, answered either as an
``intent`` (Home Assistant carries it out) or as ``handled`` (Hearth carried
it out over MQTT, Home Assistant only speaks the reply).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, Optional

import numpy as np
from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    IntentModel,
    IntentProgram,
    TtsProgram,
    TtsVoice,
)
from wyoming.intent import Entity, Intent, NotRecognized

from app.core.assistant import Assistant
from app.core.failure import Failure, InputError
from app.core.outcome import Outcome
from app.speak.speaker import speakable
from app.speak.tts import AudioChunk, TextToSpeech
from app.stt.speech_to_text import Hypotheses
from app.wyoming.settings import WyomingSettings

#: Transcripts whose audio is kept for the agent call that follows, and for how long.
_HEARD_KEPT = 8
_HEARD_SECONDS = 30.0
_HEARTH = Attribution(name="Hearth", url="")  # made here; nothing to link to
_VERSION = "0.1.0"
#: Every program's name. Home Assistant titles the Wyoming entry after the first installed speech-to-text
#: program (then voice, wake, intent, handle) and names each entity after its program: "Hearth" throughout.
_NAME = "Hearth"


@dataclass
class Services:
    """Hearth's assistant and voice, shared by every connection (one request at a time each)."""

    assistant: Assistant
    """Speech-to-text and understanding (its own lock keeps them one at a time)."""
    tts: Optional[TextToSpeech]
    """The voice; None: no TTS service is offered."""
    settings: WyomingSettings = WyomingSettings()
    """How the services behave."""
    _voice_lock: threading.Lock = field(default_factory=threading.Lock)
    _heard: dict[str, tuple[Hypotheses, float]] = field(default_factory=dict)
    _heard_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def language(self) -> str:
        return self.assistant.settings.intents.language

    def describe(self) -> Info:
        """The ``info`` answer: the services offered."""
        languages = [self.language]
        asr = AsrProgram(_NAME, _HEARTH, True, "Hearth's speech-to-text, primed with the home", _VERSION,
                         [AsrModel(self.assistant.settings.stt.model, _HEARTH, True, "faster-whisper", _VERSION,
                                   languages)])
        info = Info(asr=[asr])
        if self.tts is not None:
            voice = TtsVoice(self.assistant.settings.tts.voice or "default", _HEARTH, True, "Hearth's voice",
                             _VERSION, languages)
            info.tts = [TtsProgram(_NAME, _HEARTH, True, "Hearth's voice", _VERSION, [voice],
                                   supports_synthesize_streaming=True)]
        if self.settings.understanding == "intent":
            info.intent = [IntentProgram(_NAME, _HEARTH, True, "Hearth's understanding", _VERSION,
                                         [IntentModel("hearth", _HEARTH, True, "templates and LLM", _VERSION, languages)])]
        else:
            info.handle = [HandleProgram(_NAME, _HEARTH, True, "Hearth's understanding and actions", _VERSION,
                                         [HandleModel("hearth", _HEARTH, True, "templates and LLM", _VERSION, languages)],
                                         supports_home_control=True)]
        return info

    def transcribe(self, pcm: bytes) -> Transcript:
        """16 kHz mono 16-bit audio to the transcript event. What was heard is kept a while: Home Assistant
        sends the same words to the agent next, and Hearth's checks against the audio ("Did you say
        ...?") must not be lost because the words came back as text."""
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        text, hypotheses = self.assistant.transcript_heard(samples, self.settings.site)
        with self._heard_lock:
            self._heard[text.strip()] = (hypotheses, time.monotonic())
            while len(self._heard) > _HEARD_KEPT:
                self._heard.pop(next(iter(self._heard)))
        return Transcript(text=text, language=self.language)

    def _heard_for(self, text: str) -> Optional[Hypotheses]:
        """What was heard when Hearth made this transcript a moment ago, or None (typed, or too old)."""
        with self._heard_lock:
            kept = self._heard.pop(text.strip(), None)
        if kept is None or time.monotonic() - kept[1] > _HEARD_SECONDS:
            return None
        hypotheses = kept[0]
        hypotheses.started = time.perf_counter()  # the decision's deadline counts from the agent call
        return hypotheses

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Hearth's voice for ``text``, chunk by chunk (one synthesis at a time)."""
        if self.tts is None:
            return
        words = speakable(text, self.assistant.vocab)[: self.settings.max_text_length]
        if not words:
            return
        chunks = self.tts.synthesize(words, steady=True)
        try:
            while True:
                # Locked a sentence at a time, not for the whole text: the lock is never held while this
                # generator waits for its client to read, so a client that stops reading blocks nobody else.
                with self._voice_lock:
                    chunk = next(chunks, None)
                if chunk is None:
                    return
                yield chunk
        finally:
            chunks.close()

    def understand(self, text: str, context: Optional[dict] = None, conversation: Optional[str] = None) -> Event:
        """``intent``/``not-recognized`` or ``handled``/``not-handled`` for a transcript (InputError when
        the text is unusable). ``conversation`` keeps its questions apart from every other client's: only
        a "yes" in the conversation that was asked confirms. In either mode a sensitive action is asked
        about first; in intent mode the intent goes to Home Assistant only after that "yes", with the
        reply Home Assistant speaks (``Intent.text``: Hearth's response, never the user's words)."""
        assistant, site, heard = self.assistant, self.settings.site, self._heard_for(text)
        intent_mode = self.settings.understanding != "handled"

        def handle() -> Outcome:  # in intent mode a dry run: Home Assistant carries it out
            if heard is not None:
                return assistant.handle_heard(heard, site, dry_run=intent_mode, conversation=conversation)
            return assistant.handle(text, site=site, dry_run=intent_mode, conversation=conversation)

        if not intent_mode:
            outcome = handle()
            missed = outcome.failure in (Failure.NOT_UNDERSTOOD, Failure.NOT_HEARD)
            answer = NotHandled(text=outcome.reply, context=context) if missed else \
                Handled(text=outcome.reply, context=context)
            return answer.event()
        outcome = handle()  # decided as if carried out, with the same questions
        decision = outcome.decision
        if outcome.failure is not None or decision.intent is None or decision.error is not None:
            return NotRecognized(text=outcome.reply, context=context).event()
        entities = [Entity(name=key, value=value) for key, value in decision.recognition.slots.items()]
        return Intent(name=decision.intent, entities=entities, text=outcome.reply, context=context).event()


__all__ = ["InputError", "Services", "WyomingSettings"]
