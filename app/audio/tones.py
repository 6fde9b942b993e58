"""Short tones for "listening" and "done", generated so no sound files ship."""

from __future__ import annotations

import numpy as np

from app.audio.inputs import SAMPLE_RATE, to_pcm
from app.speak.tts import AudioChunk


def tone(frequencies: tuple[float, ...], seconds: float = 0.08, volume: float = 0.3,
         rate: int = SAMPLE_RATE) -> AudioChunk:
    """Consecutive sine notes with soft edges (no clicks)."""
    count = int(seconds * rate)
    t = np.arange(count) / rate
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
    notes = [volume * fade * np.sin(2 * np.pi * f * t) for f in frequencies]
    return AudioChunk(to_pcm(np.concatenate(notes)), rate)


def listening_tone(rate: int = SAMPLE_RATE) -> AudioChunk:
    """Rising: Hearth is listening."""
    return tone((660.0, 880.0), rate=rate)


def done_tone(rate: int = SAMPLE_RATE) -> AudioChunk:
    """Falling: Hearth stopped listening."""
    return tone((880.0, 660.0), rate=rate)


def chime(rate: int = SAMPLE_RATE) -> AudioChunk:
    """Three rising notes, longer than the others: a timer has ended."""
    return tone((784.0, 988.0, 1175.0), seconds=0.18, volume=0.35, rate=rate)
