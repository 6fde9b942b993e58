"""Wake word detection over 10 ms frames (pymicro-wakeword)."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from models.wakeword import load_wake_word


class WakeSettings(BaseModel):
    """Wake word (pymicro-wakeword)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    """False: listen only on push-to-talk."""
    model: str = "okay_nabu"
    """okay_nabu, hey_jarvis, alexa, hey_mycroft, or a microWakeWord .json file."""
    threshold: Optional[float] = Field(None, gt=0.0, lt=1.0)
    """Detection probability; null = the model's own cut-off."""


class WakeWordDetector:
    """Feed every frame; ``process`` returns True on the frame where the wake word is heard.

    The model is never reset between detections (after a reset it needs about
    half a second of audio before it can fire again); instead one utterance of
    the wake word counts once, by ignoring detections for ``refractory_seconds``.
    """

    def __init__(self, model: str = "okay_nabu", threshold: Optional[float] = None,
                 refractory_seconds: float = 1.0) -> None:
        from pymicro_wakeword import MicroWakeWordFeatures

        self._model = load_wake_word(model)
        self._features_class = MicroWakeWordFeatures
        self._features = MicroWakeWordFeatures()
        self.threshold = threshold if threshold is not None else self._model.probability_cutoff
        self.phrase: str = self._model.wake_word
        self._refractory_frames = int(refractory_seconds * 100)
        self._since_detection = self._refractory_frames

    def process(self, frame: bytes) -> bool:
        """True when the wake word has just been detected."""
        heard = False
        for features in self._features.process_streaming(frame):
            probability = self._model.process_streaming_prob(features)
            heard = heard or (probability is not None and probability > self.threshold)
        self._since_detection += 1
        if heard and self._since_detection > self._refractory_frames:
            self._since_detection = 0
            return True
        return False

    def reset(self) -> None:
        """Forget everything heard so far (a new audio stream)."""
        self._model.reset()
        self._features = self._features_class()
        self._since_detection = self._refractory_frames
