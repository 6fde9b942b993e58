"""An utterance arriving over Wyoming: its declared format checked, its length bounded, then converted.

A client declares the format of every chunk (``rate``, ``width``,
``channels``) and the conversion to Hearth's 16 kHz mono 16-bit trusts
it: a chunk declaring ``rate: 1`` would be resampled 16,000-fold (20 KB
in, 320 MB out). So the format is checked against sane bounds and the
length limit is counted from the declared format, both before anything
is converted; the conversion then grows a chunk at most fourfold (8-bit
8 kHz to 16-bit 16 kHz).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np
from wyoming.audio import AudioChunk, AudioChunkConverter

from app.audio.inputs import SAMPLE_RATE
from app.core.failure import InputError

#: Rates a microphone or a satellite sends (telephone 8 kHz to studio 48 kHz); documented in WyomingSettings.
RATES = (8000, 48000)
#: Bytes a sample: 8- to 32-bit integers, what the conversion understands.
WIDTHS = (1, 4)
#: Channels: mono up to a 7.1 array, mixed down to mono.
CHANNELS = (1, 8)


class AudioRefused(InputError):
    """Audio Hearth will not take; ``code`` is the Wyoming error code it is answered with."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def check_format(rate: object, width: object, channels: object) -> None:
    """AudioRefused (``bad-audio``) for a declared format outside the bounds."""
    for name, value, (low, high) in (("rate", rate, RATES), ("width", width, WIDTHS),
                                     ("channels", channels, CHANNELS)):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise AudioRefused(f"audio {name} {value!r} outside {low}..{high}", "bad-audio")


class Utterance:
    """The audio of one transcription, as 16 kHz mono 16-bit PCM, refused past ``max_seconds``."""

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds
        self.seconds = 0.0
        """Audio received so far, by the formats the client declared."""
        self.pcm = bytearray()
        self._resampler: Optional[AudioChunkConverter] = None  # keeps its filter state from chunk to chunk
        self._rate = 0  # the rate the resampler was made for
        self._partial = b""  # a frame split between chunks, kept for the next one

    def add(self, chunk: AudioChunk) -> None:
        """Check, count, then convert and keep one chunk (AudioRefused when it cannot be taken)."""
        check_format(chunk.rate, chunk.width, chunk.channels)
        frame = chunk.width * chunk.channels
        # A chunk may end inside a frame: Home Assistant's /api/stt forwards the request body cut wherever
        # the HTTP reader cut it. The split frame waits for the rest in the next chunk.
        audio = self._partial + chunk.audio
        whole = len(audio) - len(audio) % frame
        audio, self._partial = audio[:whole], audio[whole:]
        # Counted before converting, so a refused chunk never costs its converted size.
        self.seconds += len(audio) / frame / chunk.rate
        if self.seconds > self.max_seconds:
            raise AudioRefused(f"audio longer than {self.max_seconds:.0f} s: not transcribed", "too-long")
        if audio:
            self.pcm.extend(self._resample(_mono16(replace(chunk, audio=audio))))

    def _resample(self, chunk: AudioChunk) -> bytes:
        if chunk.rate == SAMPLE_RATE:
            return chunk.audio
        if self._resampler is None or self._rate != chunk.rate:
            # A new rate mid-stream: the previous rate's filter state does not carry over.
            self._resampler, self._rate = AudioChunkConverter(rate=SAMPLE_RATE, width=2, channels=1), chunk.rate
        return self._resampler.convert(chunk).audio


def _mono16(chunk: AudioChunk) -> AudioChunk:
    """The chunk as 16-bit mono at its own rate (the channels averaged: the converter only knows stereo)."""
    if chunk.width != 2:
        chunk = AudioChunkConverter(width=2).convert(chunk)  # no state: width is converted sample by sample
    if chunk.channels == 1:
        return chunk
    frames = np.frombuffer(chunk.audio, dtype="<i2").reshape(-1, chunk.channels)
    mono = frames.mean(axis=1).round().astype("<i2").tobytes()
    return AudioChunk(rate=chunk.rate, width=2, channels=1, audio=mono, timestamp=chunk.timestamp)
