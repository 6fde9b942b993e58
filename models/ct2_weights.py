"""Reading the variables of a CTranslate2 model file (``model.bin``) into numpy arrays.

CTranslate2 runs Whisper's decoder for free decoding, but it keeps no state
between calls: a decoder step over several sentence prefixes recomputes the
audio's keys and values for each one. Decoding constrained by the user's
grammar (`app.stt.grammar_search`) steps through many short prefixes, so it
runs the decoder itself on the same weights. The format is CTranslate2's own
(``ctranslate2/specs/model_spec.py``, ``_serialize``): a version, the spec's
name and revision, then each variable's name, shape, type and bytes, then
aliases.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from models import ModelError

#: CTranslate2's type ids, in the order of its DataType enum (bfloat16 is not read).
_TYPES = (np.float32, np.int8, np.int16, np.int32, np.float16)


def read_variables(path: Path, prefix: str = "") -> dict[str, np.ndarray]:
    """The variables of ``path`` whose names start with ``prefix``, as arrays (float16 kept as stored,
    aliases resolved). Raises `models.ModelError` for a file that is not in the format."""
    try:
        data = memoryview(path.read_bytes())
    except OSError as err:
        raise ModelError(f"{path}: cannot read the speech model ({err.strerror})") from None
    offset = 0

    def take(fmt: str) -> int:
        nonlocal offset
        (value,) = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return value

    def text() -> str:
        nonlocal offset
        size = take("H")
        value = bytes(data[offset:offset + size - 1]).decode("utf-8")
        offset += size
        return value

    try:
        take("I")  # binary version
        text()  # spec name
        take("I")  # revision
        found: dict[str, np.ndarray] = {}
        for _ in range(take("I")):
            name = text()
            shape = [take("I") for _ in range(take("B"))]
            kind, size = take("B"), take("I")
            if name.startswith(prefix) and kind < len(_TYPES):
                found[name] = np.frombuffer(data[offset:offset + size], dtype=_TYPES[kind]).reshape(shape)
            offset += size
        for _ in range(take("I")):
            alias, target = text(), text()
            if alias.startswith(prefix) and target in found:
                found[alias] = found[target]
    except (struct.error, ValueError, UnicodeDecodeError) as err:
        raise ModelError(f"{path}: not a CTranslate2 model file ({err})") from None
    return found
