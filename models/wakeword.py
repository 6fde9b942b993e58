"""Wake word models: the four bundled with pymicro-wakeword, or a microWakeWord JSON file."""

from __future__ import annotations

from pathlib import Path

from models import ModelError

BUILTIN = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft")


def load_wake_word(name_or_path: str):  # -> pymicro_wakeword.MicroWakeWord
    """A loaded wake word model; raises ModelError with what was wrong."""
    from pymicro_wakeword import MicroWakeWord, Model

    try:
        if name_or_path in BUILTIN:
            return MicroWakeWord.from_builtin(Model(name_or_path))
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ModelError(f"unknown wake word '{name_or_path}': use one of {', '.join(BUILTIN)} or a .json file")
        return MicroWakeWord.from_config(path)
    except ModelError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError) as err:
        raise ModelError(f"{name_or_path}: cannot load wake word model: {err}") from None
