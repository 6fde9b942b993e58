"""Audio output: the sound card through sounddevice, a WAV file, or nowhere.

Sinks take :class:`app.tts.AudioChunk` one at a time, so playback can start
with the first chunk of a reply.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import BinaryIO, Optional, Protocol

from app.audio.inputs import AudioError, to_float, to_pcm
from app.speak.tts import AudioChunk, resample


class AudioSink(Protocol):
    """Where sound goes."""

    def play(self, chunk: AudioChunk) -> None:
        """Play (or store) one chunk; returns when it has been handed over."""

    def close(self) -> None:
        """Finish playing and release the device or file."""


class NullSink:
    """Discards audio (no speaker, or tests that only count chunks)."""

    def __init__(self) -> None:
        self.chunks: list[AudioChunk] = []

    def play(self, chunk: AudioChunk) -> None:
        self.chunks.append(chunk)

    def close(self) -> None:
        pass


class WavSink:
    """Appends everything to one WAV file (for machines without a speaker)."""

    def __init__(self, path: str | Path | BinaryIO) -> None:
        self.path = path if not isinstance(path, (str, Path)) else Path(path)
        self._wav: Optional[wave.Wave_write] = None

    def play(self, chunk: AudioChunk) -> None:
        if self._wav is None:
            try:
                self._wav = wave.open(self.path if not isinstance(self.path, Path) else str(self.path), "wb")
            except OSError as err:
                raise AudioError(f"{self.path}: cannot write audio: {err.strerror}") from None
            self._wav.setnchannels(1)
            self._wav.setsampwidth(2)
            self._wav.setframerate(chunk.sample_rate)
        rate = self._wav.getframerate()
        pcm = chunk.pcm if chunk.sample_rate == rate else to_pcm(resample(to_float(chunk.pcm), chunk.sample_rate, rate))
        self._wav.writeframes(pcm)

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None


class SpeakerSink:
    """Plays through sounddevice; each chunk is written to an open output stream."""

    def __init__(self, device: Optional[str] = None) -> None:
        try:
            import sounddevice
        except OSError as err:
            raise AudioError(f"no audio system: {err} (install libportaudio2)") from None
        self._sd = sounddevice
        self._device = int(device) if device is not None and device.isdigit() else device
        try:
            sounddevice.check_output_settings(device=self._device, channels=1, dtype="int16")
        except (sounddevice.PortAudioError, ValueError) as err:
            raise AudioError(f"cannot open speaker {device or '(default)'}: {err}") from None
        self._stream = None
        self._rate = 0

    def play(self, chunk: AudioChunk) -> None:
        if self._stream is None or self._rate != chunk.sample_rate:
            self.close()
            try:
                self._stream = self._sd.RawOutputStream(samplerate=chunk.sample_rate, channels=1, dtype="int16",
                                                        device=self._device)
                self._stream.start()
            except (self._sd.PortAudioError, ValueError) as err:
                raise AudioError(f"cannot open speaker {self._device or '(default)'}: {err}") from None
            self._rate = chunk.sample_rate
        self._stream.write(chunk.pcm)

    def stop(self) -> None:
        """Drop what is still buffered (barge-in)."""
        if self._stream is not None:
            self._stream.abort()
            self._stream.close()
            self._stream = None

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
