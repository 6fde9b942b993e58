"""Where an assistant's home and taught phrases come from: the files the configuration names."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from app.config import Settings
from devices.registry import Home, build_home, load_fixture_file
from intents.taught import TaughtPhrases, default_path
from intents.vocabulary import Vocabulary


def taught_phrases(settings: Settings, vocab: Vocabulary) -> TaughtPhrases:
    """The store of phrases taught with ``hearth teach``."""
    configured = settings.intents.taught_file
    return TaughtPhrases(Path(configured).expanduser() if configured else default_path(), vocab)


def load_home(settings: Settings, home_file: Optional[str] = None) -> Home:
    """The registry: the home file (argument, else config) merged with config entries."""
    path = home_file or settings.home_file
    fixture = load_fixture_file(path) if path else None
    return build_home(fixture, settings.floors, settings.areas, settings.devices, settings.topic_base)
