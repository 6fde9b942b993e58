"""Shopping and to-do lists kept on the device (Home Assistant's ``HassShoppingListAddItem``,
``HassListAddItem`` and their ``CompleteItem``): what was added is kept in a file, in order, and
told to listeners (Hearth publishes it over MQTT), so a list said to Hearth is never only a reply.

A list is named by its id: ``shopping_list``, or the ``todo.*`` entity the user named.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from devices.registry import normalize_name

#: Items one list keeps at most; an item's longest text (Home Assistant's state limit).
MAX_ITEMS = 500
MAX_ITEM_LENGTH = 255

SHOPPING_LIST = "shopping_list"


class ListError(ValueError):
    """A list change that cannot be made; ``key`` names the reply (``list_full``, ``not_on_list``)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Item:
    """One entry of a list."""

    summary: str
    """The words, as said."""
    complete: bool = False
    """Checked off."""


class ListStore:
    """Every list, kept in ``path`` (None: in memory only); thread-safe."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._lists: dict[str, list[Item]] = self._read() if path is not None else {}
        self.listeners: list[Callable[[], None]] = []
        """Called after every change (on the thread that made it)."""

    def _read(self) -> dict[str, list[Item]]:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            raise ListError(f"lists file {self.path} unreadable: {err}") from None
        return {str(name): [Item(str(i["summary"]), bool(i.get("complete"))) for i in items]
                for name, items in data.items()}

    def snapshot(self) -> dict[str, list[dict[str, object]]]:
        """Every list as JSON-ready data."""
        with self._lock:
            return self._data()

    def _data(self) -> dict[str, list[dict[str, object]]]:
        return {name: [{"summary": i.summary, "complete": i.complete} for i in items]
                for name, items in self._lists.items()}

    def _open(self, name: str, summary: str) -> Optional[int]:
        """Where the open item ``summary`` stands in list ``name`` (compared as names are), or None."""
        said = normalize_name(summary)
        return next((k for k, i in enumerate(self._lists.get(name, ()))
                     if not i.complete and normalize_name(i.summary) == said), None)

    def is_open(self, name: str, summary: str) -> bool:
        """True when ``summary`` is on list ``name`` and not checked off."""
        with self._lock:
            return self._open(name, summary) is not None

    def add(self, name: str, summary: str) -> None:
        """Add ``summary`` to the end of list ``name`` (one already there, checked off, is open again)."""
        summary = " ".join(summary.split())[:MAX_ITEM_LENGTH]
        with self._lock:
            items = self._lists.setdefault(name, [])
            items[:] = [i for i in items if normalize_name(i.summary) != normalize_name(summary)]
            if len(items) >= MAX_ITEMS:
                raise ListError("list_full")
            items.append(Item(summary))
            self._save()
        self._changed()

    def complete(self, name: str, summary: str) -> None:
        """Check off the open item ``summary`` of list ``name``; ListError ``not_on_list`` when there is none."""
        with self._lock:
            found = self._open(name, summary)
            if found is None:
                raise ListError("not_on_list")
            items = self._lists[name]
            items[found] = Item(items[found].summary, True)
            self._save()
        self._changed()

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(self._data(), ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)  # whole or not at all: a power cut never leaves half a file

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()
