"""A language's vocabulary read from its data file (``intents/vocabulary/<language>.yaml``).

The file names the fields of :class:`~intents.vocabulary.Vocabulary`; lists become the sets and
tuples the fields are declared as. A field with a default may be left out. Every language is data
only, with no module of its own: what takes code is done by language-neutral code that a field
names or turns on (``character_readings: pinyin``, `intents.vocabulary.readings`;
``segment_by_vocabulary``). A field of a type not in ``_READERS`` cannot be given as data.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any, Callable, Mapping

from devices.files import read_yaml
from intents.vocabulary import UnknownLanguage, Vocabulary


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):  # one phrase, or several in one line: "on, switch on"
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UnknownLanguage(f"{where}: expected a list of words or phrases")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise UnknownLanguage(f"{where}: expected a mapping")
    return value


def _scalar(kind: type) -> Callable[[Any, str], Any]:
    def convert(value: Any, where: str) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise UnknownLanguage(f"{where}: expected {kind.__name__}")
        return value
    return convert


def _pairs(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise UnknownLanguage(f"{where}: expected a list of pairs")
    return tuple(tuple(_strings(pair, where)) for pair in value)


def _each(convert: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    def per_key(value: Any, where: str) -> dict[str, Any]:
        return {k: convert(v, f"{where}.{k}") for k, v in _mapping(value, where).items()}
    return per_key


#: How each declared field type is read from YAML.
_READERS: dict[str, Callable[[Any, str], Any]] = {
    "str": _scalar(str),
    "bool": _scalar(bool),
    "frozenset[str]": lambda v, w: frozenset(_strings(v, w)),
    "tuple[str, ...]": lambda v, w: tuple(_strings(v, w)),
    "tuple[tuple[str, str], ...]": _pairs,
    "Mapping[str, int]": _each(_scalar(int)),
    "Mapping[str, str]": _each(_scalar(str)),
    "Mapping[str, frozenset[str]]": _each(lambda v, w: frozenset(_strings(v, w))),
    "Mapping[str, tuple[str, ...]]": _each(lambda v, w: tuple(_strings(v, w))),
    "Mapping[str, tuple[str, str]]": _each(lambda v, w: tuple(_strings(v, w))),
    "Mapping[str, Mapping[str, str]]": _each(_each(_scalar(str))),
}


def from_data(data: Any, where: str) -> Vocabulary:
    """A :class:`Vocabulary` from a data file's mapping; UnknownLanguage names the field that is wrong."""
    fields = {f.name: f for f in dataclasses.fields(Vocabulary)}
    given = _mapping(data, where)
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise UnknownLanguage(f"{where}: unknown fields {', '.join(unknown)}")
    values = {}
    for name, value in given.items():
        reader = _READERS.get(str(fields[name].type))
        if reader is None:
            raise UnknownLanguage(f"{where}: {name} cannot be given as data")
        values[name] = reader(value, f"{where}: {name}")
    missing = sorted(name for name, f in fields.items() if name not in values
                     and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    if missing:
        raise UnknownLanguage(f"{where}: missing fields {', '.join(missing)}")
    try:
        return Vocabulary(**values)
    except UnknownLanguage as err:  # a value no field reader can judge (an unknown reading source)
        raise UnknownLanguage(f"{where}: {err}") from None


@functools.lru_cache(maxsize=None)
def load(path: Path) -> Vocabulary:
    """The vocabulary in a data file (read once)."""
    return from_data(read_yaml(path, "vocabulary", UnknownLanguage), str(path))
