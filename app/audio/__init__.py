"""Sound in and out: frames from a microphone, file or stdin; playback; tones."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict


class AudioSettings(BaseModel):
    """Sound card."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_device: Optional[str] = None
    """Microphone (sounddevice name or index); null = the system default."""
    output_device: Optional[str] = None
    """Speaker (sounddevice name or index); null = the system default."""
    feedback_sounds: bool = True
    """Short tones when listening starts and ends."""
