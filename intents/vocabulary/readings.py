"""How the characters of a language are read: the sources a vocabulary names by ``character_readings``.

A language whose speech model writes what it heard right in characters read alike ("观调" for 关掉)
names a reading source in its data file (``character_readings: pinyin``); the repair
(`intents.homophones`) asks `Vocabulary.readings` and `Vocabulary.tones`, which are this module's
functions for that source. Nothing here is about one language's words: a source reads characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional

from intents.vocabulary import UnknownLanguage

#: How a character may be read: every reading of it, or none for a character the source does not know.
Reader = Callable[[str], frozenset[str]]


@lru_cache(maxsize=8192)  # a home's characters are read once, not again for every rebuilt view
def _pinyin_tones(char: str) -> frozenset[str]:
    """Every pinyin reading of ``char``, with its tone ("调": diào, tiáo); none for a character pypinyin
    does not know. Imported when a repair first asks (a table of ~40,000 characters)."""
    try:
        from pypinyin.pinyin_dict import pinyin_dict
    except ImportError:  # installed with the multilingual extra; without it, nothing is repaired
        return frozenset()
    return frozenset(r for r in pinyin_dict.get(ord(char), "").split(",") if r)


@lru_cache(maxsize=8192)
def _pinyin(char: str) -> frozenset[str]:
    """Every pinyin reading of ``char``, without tones ("调": diao, tiao)."""
    return frozenset("".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c))
                     for r in _pinyin_tones(char))


#: Pinyin's initials, those of two letters first.
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z",
             "c", "s", "y", "w")
#: One sound of a final: a letter, or the nasal "ng" ("er" stays two letters: a syllable of its own).
_ONE_SOUND = re.compile(r"ng|.")


@lru_cache(maxsize=8192)
def _pinyin_sounds(reading: str) -> tuple[str, ...]:
    """A tone-less pinyin reading as its sounds: the initial, then each sound of the final ("chuang": ch,
    u, a, ng; "qing": q, i, ng), so that readings one sound apart ("shuo", "suo"; "qing", "qi") are near."""
    initial = next((i for i in _INITIALS if reading.startswith(i) and len(reading) > len(i)), "")
    return (*((initial,) if initial else ()), *_ONE_SOUND.findall(reading[len(initial):]))


@dataclass(frozen=True)
class ReadingSource:
    """What a source knows of a character."""

    readings: Reader
    """Every reading of a character, without tones; none for a character the source does not know."""
    tones: Reader
    """Every reading with its tone: two characters read alike with tones sound the same."""
    sounds: Callable[[str], tuple[str, ...]]
    """A reading (without tones) as its sounds: readings one sound apart are heard for each other."""


#: Each source a vocabulary may name.
SOURCES: dict[str, ReadingSource] = {
    # Chinese characters, by pypinyin (the multilingual extra)
    "pinyin": ReadingSource(_pinyin, _pinyin_tones, _pinyin_sounds),
}


def reading_source(name: str) -> Optional[ReadingSource]:
    """The source ``name``; None for "" (no source). A name not in `SOURCES` raises UnknownLanguage."""
    if not name:
        return None
    if name not in SOURCES:
        known = ", ".join(sorted(SOURCES))
        raise UnknownLanguage(f"no reading source {name!r} for character_readings (known: {known})")
    return SOURCES[name]
