"""How the characters of a language are read: the sources a vocabulary names by ``character_readings``.

A language whose speech model writes what it heard right in characters read alike ("观调" for 关掉)
names a reading source in its data file (``character_readings: pinyin``); the repair
(`intents.homophones`) asks `Vocabulary.readings` and `Vocabulary.tones`, which are this module's
functions for that source. Nothing here is about one language's words: a source reads characters.
"""

from __future__ import annotations

import unicodedata
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


#: Each source a vocabulary may name: (readings without tones, readings with tones).
SOURCES: dict[str, tuple[Reader, Reader]] = {
    "pinyin": (_pinyin, _pinyin_tones),  # Chinese characters, by pypinyin (the multilingual extra)
}


def reading_source(name: str) -> Optional[tuple[Reader, Reader]]:
    """The (readings, tones) functions of the source ``name``; None for "" (no source). A name not
    in `SOURCES` raises UnknownLanguage."""
    if not name:
        return None
    if name not in SOURCES:
        known = ", ".join(sorted(SOURCES))
        raise UnknownLanguage(f"no reading source {name!r} for character_readings (known: {known})")
    return SOURCES[name]
