"""Audio input and output without a sound card: WAV files, raw PCM streams, sinks."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from app.audio.inputs import (
    FRAME_BYTES,
    AudioError,
    frames,
    read_wav,
    stream_frames,
    write_wav,
)
from app.audio.outputs import WavSink
from app.audio.tones import listening_tone
from app.speak.tts import AudioChunk


def _wav(path: Path, rate: int, channels: int, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(bytes(rate * channels * width // 10))
    return path


def test_reads_16k_mono_16bit(tmp_path: Path) -> None:
    assert len(read_wav(_wav(tmp_path / "ok.wav", 16000, 1))) == 3200


@pytest.mark.parametrize(("rate", "channels", "width", "described"), [
    (44100, 2, 2, "44100 Hz, 2 channel(s), 16-bit"),
    (16000, 1, 1, "16000 Hz, 1 channel(s), 8-bit"),
    (8000, 1, 2, "8000 Hz, 1 channel(s), 16-bit"),
])
def test_wrong_format_says_what_and_how_to_convert(tmp_path: Path, rate: int, channels: int, width: int, described: str) -> None:
    path = _wav(tmp_path / "bad.wav", rate, channels, width)
    with pytest.raises(AudioError) as err:
        read_wav(path)
    assert described in str(err.value) and "needs 16000 Hz mono 16-bit" in str(err.value) and "sox" in str(err.value)


def test_not_a_wav_and_missing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"definitely not RIFF data")
    with pytest.raises(AudioError, match="junk.wav: not a readable WAV file"):
        read_wav(junk)
    with pytest.raises(AudioError, match="gone.wav: audio file not found"):
        read_wav(tmp_path / "gone.wav")


def test_frames_are_10ms_and_the_last_is_padded() -> None:
    pcm = bytes(range(256)) * 13  # 3328 bytes: 10 full frames and a partial one
    chunks = list(frames(pcm))
    assert [len(c) for c in chunks] == [FRAME_BYTES] * 11
    assert b"".join(chunks)[: len(pcm)] == pcm


def test_stdin_stream_frames() -> None:
    chunks = list(stream_frames(io.BytesIO(bytes(FRAME_BYTES * 3 + 10))))
    assert [len(c) for c in chunks] == [FRAME_BYTES] * 4


def test_wav_sink_resamples_to_its_first_rate(tmp_path: Path) -> None:
    sink = WavSink(tmp_path / "out.wav")
    sink.play(AudioChunk(bytes(2 * 22050), 22050))   # 1 s at 22.05 kHz
    sink.play(listening_tone())                        # 0.16 s at 16 kHz
    sink.close()
    with wave.open(str(tmp_path / "out.wav"), "rb") as wav:
        assert wav.getframerate() == 22050
        assert abs(wav.getnframes() / 22050 - 1.16) < 0.01


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    pcm = (np.sin(np.arange(16000) / 5) * 8000).astype(np.int16).tobytes()
    write_wav(tmp_path / "tone.wav", pcm)
    assert read_wav(tmp_path / "tone.wav") == pcm
