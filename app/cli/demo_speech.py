"""The demo's voice: every reply written as a WAV file, and commands said aloud and heard back.

A demo of a voice assistant that only prints is half a demo. The replies are
spoken by the service's own voice (Piper in English) into ``NN-reply.wav``;
the spoken commands are said by the same voice into ``NN-command.wav`` and go
through the whole speech chain: speech-to-text primed with the home, the
templates and the repair, the action, the reply. Where the speech model for
the language is not installed, the demo says so in one line and the spoken
part is left out; nothing is downloaded.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Optional

import numpy as np

from app.audio.inputs import SAMPLE_RATE, to_pcm, write_wav
from app.bench.clips import pad, piper_clip
from app.config import Settings
from app.speak.tts import TextToSpeech
from app.stt.speech_to_text import SpeechToText
from models import ModelError

_LOGGER = logging.getLogger(__name__)


def default_folder() -> Path:
    """``$XDG_CACHE_HOME/hearth/demo`` (``~/.cache/hearth/demo``): out of the way, easy to find."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "hearth" / "demo"


class DemoVoice:
    """Writes what the demo says and hears into ``folder``."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.folder = folder
        self.tts = TextToSpeech(settings.tts, settings.intents.language).load()
        self.count = 0
        self.stt: Optional[SpeechToText] = None
        try:
            self.stt = SpeechToText(settings.stt, settings.intents.language).load()
        except (ModelError, OSError, RuntimeError) as err:  # the language's speech model is an extra
            self.why_not = f"spoken commands left out: {err}"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.wav"):  # only this run's audio is there to listen to
            old.unlink()

    def _write(self, kind: str, pcm: bytes, rate: int) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{kind}.wav"
        write_wav(path, pcm, rate)
        return path

    def reply(self, text: str) -> Optional[Path]:
        """``text`` spoken into the next ``NN-reply.wav`` (None for silence)."""
        if not text.strip():
            return None
        chunk = self.tts.synthesize_all(text, steady=True)
        return self._write("reply", chunk.pcm, chunk.sample_rate)

    def command(self, text: str) -> tuple[np.ndarray, Path]:
        """``text`` said by the voice, as a microphone would give it (16 kHz, silence around), and its file."""
        samples = pad(piper_clip(self.tts, text))
        return samples, self._write("command", to_pcm(samples), SAMPLE_RATE)
