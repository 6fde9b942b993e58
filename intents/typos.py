"""Typed words mended: a word no template, name or phrase uses, one slip of the keys from one that is.

A typed command with one slip ("pleease add milk to my shopping list", "satrt the vacuum") no longer
parses, though every other word does. The slips mended are the commonest of typing: two letters
swapped, a letter doubled, a letter left out. A word is mended only to a word the home's templates,
names or the language's phrases use, and only when exactly one such word is that close: "lihgts" is
"lights", but a word two known words are equally near stays as typed. Language-neutral: the known
words are the language's own; words shorter than ``MIN_LENGTH`` letters are left alone (too many
words are one slip from them).
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterator

#: Shorter words are never mended: "form" and "from", "on" and "no" are one slip apart.
MIN_LENGTH = 4
#: Shorter words are not taken for a longer one with a letter left out: too many real words are.
MIN_LEFT_OUT = 5


def _slips(word: str, letters: str) -> Iterator[str]:
    """Every word that ``word`` is one slip from: letters swapped, a doubled letter, a letter left out."""
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2:]
        else:
            yield word[:i] + word[i + 1:]
    if len(word) < MIN_LEFT_OUT:  # "hose" is no "house" with a letter left out
        return
    for i in range(1, len(word) + 1):  # the first letter is rarely the one left out
        for letter in letters:
            yield word[:i] + letter + word[i:]


def mended_word(word: str, known: frozenset[str], letters: str) -> str:
    """``word``, or the one known word it is a slip from."""
    if word in known or len(word) < MIN_LENGTH or not word.isalpha():
        return word
    near = {w for w in _slips(word, letters) if w in known}
    return near.pop() if len(near) == 1 else word


@functools.lru_cache(maxsize=4)
def _letters(known: frozenset[str]) -> str:
    return "".join(sorted({c for w in known for c in w if c.isalpha()}))


def mend(text: str, known: frozenset[str], words: Callable[[str], list[str]]) -> str:
    """``text`` in lower case with each unknown word mended where exactly one known word is one slip
    from it; ``words`` is the language's tokenizer. Unchanged words keep their place and spacing."""
    lowered = text.lower()
    letters = _letters(known)
    out, last = [], 0
    for word in dict.fromkeys(words(lowered)):
        mended = mended_word(word, known, letters)
        if mended == word:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", lowered):
            out.append((match.start(), match.end(), mended))
    if not out:
        return text
    pieces = []
    for start, end, mended in sorted(out):
        pieces += [lowered[last:start], mended]
        last = end
    return "".join(pieces) + lowered[last:]
