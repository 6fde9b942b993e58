"""Wake word detection over 10 ms frames (pymicro-wakeword)."""

from __future__ import annotations

from typing import Optional

from models.wakeword import load_wake_word


class WakeWordDetector:
    """Feed frames; ``process`` returns True on the frame where the wake word is heard."""

    def __init__(self, model: str = "okay_nabu", threshold: Optional[float] = None) -> None:
        from pymicro_wakeword import MicroWakeWordFeatures

        self._model = load_wake_word(model)
        self._features_class = MicroWakeWordFeatures
        self._features = MicroWakeWordFeatures()
        self.threshold = threshold if threshold is not None else self._model.probability_cutoff
        self.phrase: str = self._model.wake_word

    def process(self, frame: bytes) -> bool:
        """True when the wake word has just been detected."""
        heard = False
        for features in self._features.process_streaming(frame):
            probability = self._model.process_streaming_prob(features)
            heard = heard or (probability is not None and probability > self.threshold)
        if heard:
            self.reset()
        return heard

    def reset(self) -> None:
        """Forget what was heard so far (after a detection, or after Hearth spoke)."""
        self._model.reset()
        self._features = self._features_class()
