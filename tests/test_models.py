"""Model files from chunk packages: joined in order, trusted only with the right sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from models import ModelError
from models.chunks import join_parts

pytestmark = pytest.mark.fast


def _parts(tmp_path: Path) -> list[Path]:
    parts = []
    for i, content in enumerate((b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7)):
        part = tmp_path / f"part{i}.bin"
        part.write_bytes(content)
        parts.append(part)
    return parts


def test_chunks_join_in_order_and_are_checked(tmp_path: Path) -> None:
    parts = _parts(tmp_path)
    whole = b"".join(p.read_bytes() for p in parts)
    target = tmp_path / "cache" / "model.gguf"
    joined = join_parts(parts, target, hashlib.sha256(whole).hexdigest())
    assert joined.read_bytes() == whole
    first = joined.stat().st_mtime_ns
    assert join_parts(parts, target, hashlib.sha256(whole).hexdigest()).stat().st_mtime_ns == first  # not joined again


def test_a_wrong_checksum_leaves_nothing_behind(tmp_path: Path) -> None:
    parts = _parts(tmp_path)
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(ModelError, match="sha256"):
        join_parts(list(reversed(parts)), target, hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest())
    assert sorted(p.name for p in target.parent.iterdir()) == []
