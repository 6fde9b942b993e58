"""Reading the YAML files users write (configuration, home, cases) with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: str | Path, what: str, error: type[Exception]) -> Any:
    """Parse a YAML file; any failure raises ``error`` with one line naming the file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{file}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"{file}: cannot read {what}: {err}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise error(f"{file}:{where} not valid YAML: {getattr(err, 'problem', err)}") from None
