"""Audio input: 16 kHz mono 16-bit frames from a WAV file, raw PCM on stdin, or a microphone.

Every source is an iterator of ``bytes`` frames of ``FRAME_BYTES`` (10 ms),
the unit the wake word and VAD consume, so the rest of the pipeline does not
care where sound comes from and tests need no sound card.
"""

from __future__ import annotations

import logging
import queue
import wave
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Optional

import numpy as np

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2
FRAME_SAMPLES = 160  # 10 ms
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_WIDTH

_LOGGER = logging.getLogger(__name__)


class AudioError(Exception):
    """Audio that cannot be used (wrong format, no device); one line."""


def read_wav(path: str | Path) -> bytes:
    """The PCM of a 16 kHz mono 16-bit WAV file; anything else is refused with how to convert it."""
    file = Path(path)
    try:
        with wave.open(str(file), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            pcm = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise AudioError(f"{file}: audio file not found") from None
    except (wave.Error, EOFError, OSError) as err:
        raise AudioError(f"{file}: not a readable WAV file ({err})") from None
    if (rate, channels, width) != (SAMPLE_RATE, 1, SAMPLE_WIDTH):
        raise AudioError(
            f"{file}: WAV is {rate} Hz, {channels} channel(s), {8 * width}-bit; Hearth needs 16000 Hz mono 16-bit "
            f"(convert with: sox '{file}' -r 16000 -c 1 -b 16 out.wav)"
        )
    return pcm


def write_wav(path: str | Path | BinaryIO, pcm: bytes, rate: int = SAMPLE_RATE) -> None:
    """Write mono 16-bit PCM as a WAV file (a path, or a binary file object such as ``io.BytesIO``)."""
    with wave.open(path if hasattr(path, "write") else str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(rate)
        wav.writeframes(pcm)


def to_float(pcm: bytes) -> np.ndarray:
    """16-bit PCM as float32 in [-1, 1], what Whisper takes."""
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


def to_pcm(samples: np.ndarray) -> bytes:
    """float samples in [-1, 1] as 16-bit PCM."""
    return (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).tobytes()


def frames(pcm: bytes) -> Iterator[bytes]:
    """10 ms frames of a PCM buffer (a short last frame is padded with silence)."""
    for start in range(0, len(pcm), FRAME_BYTES):
        frame = pcm[start:start + FRAME_BYTES]
        yield frame if len(frame) == FRAME_BYTES else frame + bytes(FRAME_BYTES - len(frame))


def stream_frames(stream: BinaryIO) -> Iterator[bytes]:
    """10 ms frames of raw 16 kHz mono 16-bit PCM from a stream such as stdin, until it ends."""
    while True:
        frame = stream.read(FRAME_BYTES)
        if not frame:
            return
        if len(frame) % SAMPLE_WIDTH:
            _LOGGER.warning("Dropped a frame with an odd number of bytes")
            continue
        yield frame if len(frame) == FRAME_BYTES else frame + bytes(FRAME_BYTES - len(frame))


def _device(name: Optional[str]) -> Optional[int | str]:
    return int(name) if name is not None and name.isdigit() else name


def microphone_frames(device: Optional[str] = None) -> Iterator[bytes]:
    """10 ms frames from a microphone through sounddevice. The device is opened now, so a
    missing microphone is reported at once; frames flow until the iterator is closed."""
    try:
        import sounddevice
    except OSError as err:  # PortAudio itself is missing
        raise AudioError(f"no audio system: {err} (install libportaudio2)") from None
    frames_in: "queue.Queue[bytes]" = queue.Queue(maxsize=500)

    def callback(data: memoryview, count: int, time_info: object, status: object) -> None:
        if status:
            _LOGGER.debug("Microphone status: %s", status)
        try:
            frames_in.put_nowait(bytes(data))
        except queue.Full:  # the pipeline fell behind: drop audio rather than grow
            pass

    try:
        stream = sounddevice.RawInputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16",
                                            blocksize=FRAME_SAMPLES, device=_device(device), callback=callback)
    except (sounddevice.PortAudioError, ValueError) as err:
        raise AudioError(f"cannot open microphone {device or '(default)'}: {err}") from None
    return _stream_frames(stream, frames_in)


def _stream_frames(stream: Any, frames_in: "queue.Queue[bytes]") -> Iterator[bytes]:
    with stream:
        while True:
            yield frames_in.get()
