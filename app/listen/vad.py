"""End-of-speech detection: where an utterance starts and ends (pymicro-vad)."""

from __future__ import annotations

from collections import deque
from enum import Enum
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from app.audio.inputs import FRAME_BYTES


class EndPointSettings(BaseModel):
    """Voice activity detection and end-pointing (pymicro-vad; ``vad:`` in config.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    """Speech probability above which a 10 ms frame counts as speech."""
    silence_seconds: float = Field(0.6, ge=0.1, le=5.0)
    """Silence after speech that ends the utterance (hangover)."""
    max_seconds: float = Field(10.0, ge=1.0, le=30.0)
    """Longest utterance; cut off there."""
    timeout_seconds: float = Field(5.0, ge=0.5, le=60.0)
    """Give up when no speech starts this long after the wake word."""

#: Frames of recent audio that warm the VAD when an utterance starts (0.8 s).
_WARM_FRAMES = 80


class EndPoint(Enum):
    """What a frame means for the utterance being collected."""

    WAITING = "waiting"      # no speech yet
    SPEAKING = "speaking"    # inside the utterance
    ENDED = "ended"          # enough silence after speech: the utterance is complete
    TIMEOUT = "timeout"      # nobody spoke after the wake word
    TOO_LONG = "too_long"    # cut off at the maximum length


class EndPointer:
    """Collects one utterance from 10 ms frames; call ``reset`` before the next."""

    def __init__(self, settings: EndPointSettings = EndPointSettings()) -> None:
        from pymicro_vad import MicroVad

        self.settings = settings
        self._vad = MicroVad()
        self._recent: deque[bytes] = deque(maxlen=_WARM_FRAMES)
        self.reset()

    def reset(self, timeout_seconds: Optional[float] = None) -> None:
        """Start a new utterance, first warming the VAD with the audio heard just before;
        ``timeout_seconds`` replaces the settings' wait for speech, for this utterance only.

        The VAD model answers nothing for its first ~0.8 s of audio, so the
        frames seen by ``observe`` are run through it now rather than all the
        time: while idle that would cost more CPU than the wake word itself.
        """
        for frame in self._recent:
            self._vad.process_10ms(frame)
        self._recent.clear()
        self.audio = bytearray()
        """Audio from the first speech frame on (with a little lead-in)."""
        self._lead_in: list[bytes] = []
        self._frames = 0
        self._speech_frames = 0
        self._silence_frames = 0
        self._timeout = timeout_seconds if timeout_seconds is not None else self.settings.timeout_seconds

    def observe(self, frame: bytes) -> None:
        """Remember a frame heard outside an utterance, to warm the VAD when one starts."""
        self._recent.append(frame)

    def process(self, frame: bytes) -> EndPoint:
        """Feed one 10 ms frame."""
        if len(frame) != FRAME_BYTES:
            raise ValueError(f"expected {FRAME_BYTES}-byte frames, got {len(frame)}")
        self._frames += 1
        speech = self._vad.process_10ms(frame) > self.settings.threshold
        if self._speech_frames == 0:
            # Keep up to 1 s before the first speech frame: the VAD reports
            # speech about half a second after soft onsets such as "turn".
            self._lead_in = (self._lead_in + [frame])[-100:]
            if not speech:
                return EndPoint.TIMEOUT if self._frames >= self._timeout * 100 else EndPoint.WAITING
            self.audio.extend(b"".join(self._lead_in))
        else:
            self.audio.extend(frame)
        self._speech_frames += speech
        self._silence_frames = 0 if speech else self._silence_frames + 1
        if len(self.audio) >= self.settings.max_seconds * 100 * FRAME_BYTES:
            return EndPoint.TOO_LONG
        if self._silence_frames >= self.settings.silence_seconds * 100:
            if self._speech_frames >= 10:
                return EndPoint.ENDED
            # Under 100 ms of speech then silence: a click or a cough, not a command.
            self.audio.clear()
            self._speech_frames = 0
            return EndPoint.WAITING
        return EndPoint.SPEAKING
