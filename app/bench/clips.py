"""Spoken command clips for `hearth eval` cases, `hearth bench` and the tests.

Synthesised on the spot with the bundled Piper voice or espeak-ng, padded with
silence and optionally mixed with noise, so no recordings live in the repo.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from app.audio.inputs import SAMPLE_RATE, AudioError, to_float, to_pcm
from app.speak.tts import TextToSpeech, resample


def pad(samples: np.ndarray, before: float = 0.3, after: float = 0.7) -> np.ndarray:
    """Silence around a clip, as a microphone would capture it."""
    return np.concatenate([np.zeros(int(before * SAMPLE_RATE), np.float32), samples,
                           np.zeros(int(after * SAMPLE_RATE), np.float32)])


def add_noise(samples: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """White noise at a signal-to-noise ratio measured over the speech."""
    rng = np.random.default_rng(seed)
    speech = samples[np.abs(samples) > 1e-4]
    power = float(np.mean(speech ** 2)) if len(speech) else 1e-6
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(samples)).astype(np.float32)
    return np.clip(samples + noise, -1.0, 1.0)


def piper_clip(tts: TextToSpeech, text: str) -> np.ndarray:
    """``text`` spoken by a Piper voice at 16 kHz, the same samples every time."""
    chunk = tts.synthesize_all(text, steady=True)
    return resample(to_float(chunk.pcm), chunk.sample_rate, SAMPLE_RATE)


def espeak_clip(text: str, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    """``text`` spoken by espeak-ng, at 16 kHz."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise AudioError("espeak-ng is not installed (apt-get install espeak-ng)")
    import wave

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clip.wav"
        subprocess.run([binary, "-v", voice, "-s", str(speed), "-w", str(out), text], check=True, capture_output=True)
        with wave.open(str(out), "rb") as wav:
            rate, pcm = wav.getframerate(), wav.readframes(wav.getnframes())
    return resample(to_float(pcm), rate, SAMPLE_RATE)


def command_clip(text: str, tts: Optional[TextToSpeech] = None, espeak_voice: Optional[str] = None,
                 snr_db: Optional[float] = None, seed: int = 0) -> bytes:
    """A padded 16 kHz PCM clip of ``text`` (Piper unless an espeak voice is named)."""
    samples = espeak_clip(text, espeak_voice) if espeak_voice else piper_clip(tts or TextToSpeech().load(), text)
    samples = pad(samples)
    if snr_db is not None:
        samples = add_noise(samples, snr_db, seed)
    return to_pcm(samples)
