"""Hears "stop" while Hearth is speaking, so a reply can be cut short without the wake word.

While a reply plays, short stretches of speech are end-pointed with a VAD of
their own and transcribed; if one of them is a stop word the loop stops the
reply and listens. Hearth's own voice reaches the microphone too, but its
replies are not stop words, and long stretches (its sentences) are not even
transcribed.
"""

from __future__ import annotations

import logging

from app.audio.inputs import to_float
from app.listen.vad import EndPoint, EndPointer, EndPointSettings
from app.stt.speech_to_text import SpeechToText
from intents.vocabulary import Vocabulary

_LOGGER = logging.getLogger(__name__)

#: Stretches of speech longer than this (plus lead-in) are not transcribed: Hearth's own sentences.
MAX_SECONDS = 1.5


class StopListener:
    """Feed it the microphone's frames while Hearth speaks; ``process`` says when "stop" was heard."""

    def __init__(self, stt: SpeechToText, vocab: Vocabulary) -> None:
        self.stt = stt
        self.vocab = vocab
        self.endpointer = EndPointer(EndPointSettings(silence_seconds=0.3, max_seconds=MAX_SECONDS + 1.0,
                                                      timeout_seconds=60.0))  # a timeout only resets it

    def observe(self, frame: bytes) -> None:
        """Remember a frame heard before the reply, to warm the VAD when it starts."""
        self.endpointer.observe(frame)

    def reset(self) -> None:
        """Forget what was heard (a new reply starts)."""
        self.endpointer.reset()

    def process(self, frame: bytes) -> bool:
        """True when the stretch of speech that just ended was a stop word."""
        point = self.endpointer.process(frame)
        if point is EndPoint.TIMEOUT:
            self.endpointer.reset()
            return False
        if point not in (EndPoint.ENDED, EndPoint.TOO_LONG):
            return False
        # TOO_LONG too: the VAD's hangover can outlast a short word's pause, and the
        # end-pointer's up to 1 s of lead-in counts toward the length.
        audio = bytes(self.endpointer.audio)
        self.endpointer.reset()
        heard = self.stt.transcribe(to_float(audio)).text
        if set(self.vocab.words(heard)) & self.vocab.stop_words:
            _LOGGER.info("Stop word heard: %r", heard)
            return True
        return False
