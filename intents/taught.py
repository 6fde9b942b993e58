"""Phrases the home taught Hearth: "movie time" means "activate Cinema".

``hearth teach PHRASE COMMAND`` keeps a phrase and the plain command it stands
for in a small YAML file on the device; nothing leaves it. The command is
checked against Home Assistant's templates when it is taught, and read by them
again each time the phrase is said, so a taught phrase can only lead to an
action the templates define. A phrase is matched on its words (case,
punctuation and spacing do not matter), and only as a whole: "not movie time"
is not "movie time". The file is read again when it changes, so a running
service uses what was taught from the next utterance on.

The same file keeps names taught for devices ("telly" for the Television,
learnt when Hearth asked "Did you mean ...?" and was told yes): an alias the
home's registry gains, as Home Assistant's own aliases, so every sentence
with it is understood, not only the one said.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Optional

import yaml

from intents.vocabulary import Vocabulary


class TeachError(ValueError):
    """A lesson that cannot be kept; the message is one line."""


def default_path() -> Path:
    """Where lessons are kept when ``intents.taught_file`` is not set."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "hearth" / "taught.yaml"


class TaughtPhrases:
    """The lessons in one file, read again whenever the file changes."""

    def __init__(self, path: Path, vocab: Vocabulary) -> None:
        self.path = path
        self.vocab = vocab
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # one read-change-write at a time (the page, a spoken correction)
        self._seen: Optional[tuple[int, int]] = None
        self._lessons: dict[str, str] = {}
        self._aliases: dict[str, str] = {}

    def key(self, phrase: str) -> str:
        """How a phrase is matched: its words only."""
        return self.vocab.joined(phrase)

    def lessons(self) -> dict[str, str]:
        """Every phrase and its command, as the file holds them now."""
        with self._lock:
            self._refresh()
            return dict(self._lessons)

    def aliases(self) -> dict[str, str]:
        """Every name taught for a device: name -> entity id."""
        with self._lock:
            self._refresh()
            return dict(self._aliases)

    def teach_alias(self, name: str, entity_id: str) -> None:
        """Keep ``name`` as another name of ``entity_id``."""
        said = " ".join(name.split())
        if not said:
            raise TeachError("the name has no words")
        with self._writing:
            aliases = self.aliases()
            aliases[said] = entity_id
            self._write(self.lessons(), aliases)

    def command_for(self, text: str) -> Optional[str]:
        """The command taught for exactly these words, or None."""
        return self.lessons().get(self.key(text))

    def teach(self, phrase: str, command: str) -> None:
        """Keep ``phrase`` -> ``command`` (replacing an earlier lesson for the phrase)."""
        key = self.key(phrase)
        if not key:
            raise TeachError("the phrase has no words")
        with self._writing:
            lessons = self.lessons()
            lessons[key] = " ".join(command.split())
            self._write(lessons, self.aliases())

    def forget(self, phrase: str) -> bool:
        """Drop the lesson for ``phrase``; False when there was none."""
        with self._writing:
            lessons, aliases = self.lessons(), self.aliases()
            named = {k: v for k, v in aliases.items() if self.key(k) != self.key(phrase)}
            if lessons.pop(self.key(phrase), None) is None and named == aliases:
                return False
            self._write(lessons, named)
            return True

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seen, self._lessons, self._aliases = None, {}, {}
            return
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen == self._seen:
            return
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise TeachError(f"{self.path}: cannot read taught phrases: {err}") from None
        phrases = data.get("phrases") if isinstance(data, dict) else None
        if not isinstance(phrases, dict):
            raise TeachError(f"{self.path}: expected a 'phrases:' mapping of phrase to command")
        aliases = data.get("aliases") or {}
        if not isinstance(aliases, dict):
            raise TeachError(f"{self.path}: expected an 'aliases:' mapping of name to entity id")
        self._lessons = {self.key(str(k)): str(v) for k, v in phrases.items() if self.key(str(k))}
        self._aliases = {" ".join(str(k).split()): str(v) for k, v in aliases.items() if str(k).strip()}
        self._seen = seen

    def _write(self, lessons: dict[str, str], aliases: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".tmp")
        text = "# Taught with `hearth teach`: phrase -> the command it stands for; a device's other names.\n"
        data = {"phrases": lessons, **({"aliases": aliases} if aliases else {})}
        partial.write_text(text + yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
        partial.replace(self.path)  # a reader never sees half a file
