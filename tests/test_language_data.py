"""A language as data (#34): a vocabulary read from ``intents/vocabulary/<language>.yaml``, checked
field by field; German has no Python file."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import intents.vocabulary as vocabularies
from intents.vocabulary import UnknownLanguage, vocabulary
from intents.vocabulary.data import from_data

pytestmark = pytest.mark.fast


def _as_data(value: Any) -> Any:
    """A vocabulary's value as YAML would hold it: sets and tuples as lists."""
    if isinstance(value, (frozenset, set)):
        return sorted(value)
    if isinstance(value, (tuple, list)):
        return [_as_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_data(v) for k, v in value.items()}
    return value


def test_german_is_data_only() -> None:
    folder = Path(vocabularies.__file__).parent
    assert (folder / "de.yaml").is_file() and not (folder / "de.py").exists()
    de = vocabulary("de")
    assert de.language == "de" and de.words("Schalte das Licht in der Küche ein!") == [
        "schalte", "das", "licht", "in", "der", "küche", "ein"]
    assert de.numbers("stelle die Heizung auf einundzwanzig Grad") == {21}
    assert de.negated("schalte das Licht nicht aus") and not de.negated("schalte das Licht aus")
    assert de.is_question("ist das Licht in der Küche an") and not de.is_question("schalte das Licht an")
    assert de.answer("Ja") is True and de.answer("nein") is False and de.answer("Küche") is None
    assert de.durations("stelle einen Timer für fünf Minuten") == [(5, "minutes")]


def test_english_can_be_written_as_data() -> None:
    """Every field of English but the callables (none for English) reads back the same from data: the
    format can hold a language whole."""
    en = vocabulary("en")
    data = {f.name: _as_data(getattr(en, f.name)) for f in dataclasses.fields(en)
            if getattr(en, f.name) is not None}
    assert from_data(data, "en as data") == en


@pytest.mark.parametrize("change, message", [
    ({"colour_words": {}}, "unknown fields colour_words"),
    ({"language": 5}, "language: expected str"),
    ({"number_words": {"eins": "one"}}, "number_words.eins: expected int"),
    ({"yes": {"ja": 1}}, "yes: expected a list"),
    ({"readings": "x"}, "unknown fields readings"),  # a reading source is named: character_readings
    ({"character_readings": "kana"}, "test.yaml: no reading source 'kana'"),
])
def test_a_wrong_field_is_named(change: dict, message: str) -> None:
    en = vocabulary("en")
    data = {f.name: _as_data(getattr(en, f.name)) for f in dataclasses.fields(en)
            if getattr(en, f.name) is not None}
    with pytest.raises(UnknownLanguage, match=message):
        from_data({**data, **change}, "test.yaml")


def test_a_missing_field_is_named() -> None:
    with pytest.raises(UnknownLanguage, match="missing fields .*word_pattern"):
        from_data({"language": "xx"}, "xx.yaml")
    with pytest.raises(UnknownLanguage, match="no vocabulary for language 'xx'"):
        vocabulary("xx")
