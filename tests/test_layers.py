"""The layers import downwards only: models, then devices, then intents, then the runtime (app).

A lower layer that imports a higher one makes a cycle (resolution importing understanding did), and
loading the configuration must not load the stages it configures.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Each layer and the layers above it, which it must never import.
ABOVE = {
    "models": {"devices", "intents", "app"},
    "devices": {"intents", "app"},
    "intents": {"app"},
}


def _imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports, anywhere in it (also inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.fast
@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_a_layer_never_imports_a_layer_above_it(layer: str) -> None:
    wrong = {str(path.relative_to(ROOT)): sorted(_imported_packages(path) & ABOVE[layer])
             for path in sorted((ROOT / layer).rglob("*.py"))}
    assert {path: above for path, above in wrong.items() if above} == {}


@pytest.mark.fast
def test_the_layer_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from intents.templates import TemplateRecognizer\n")
    assert _imported_packages(module) == {"intents"}


@pytest.mark.fast
def test_reading_the_configuration_loads_no_stage() -> None:
    script = ("import json, sys; import app.config; "
              "print(json.dumps(sorted(m for m in sys.modules)))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                                           capture_output=True, text=True).stdout))
    stages = {"app.core.understanding", "app.core.assistant", "app.stt.speech_to_text", "app.stt.rescore",
              "app.speak.tts", "intents.llm", "intents.templates", "intents.canonical", "devices.mqtt",
              "devices.resolve", "ctranslate2", "faster_whisper", "llama_cpp", "paho", "piper"}
    assert sorted(loaded & stages) == []
