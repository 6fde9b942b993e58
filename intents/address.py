"""Words said before a command to someone, not about anything: "hey hearth, ...", "um, so ...".

People open a request with the assistant's name, an interjection or a filler, in words no template,
name or phrase of the home uses, or with a word that answers yes ("ok"). Such a run before a sentence
the templates read (and the home can carry out) is dropped; a question after it is read as one by the
model: "ok hearth is the garage light on" is a question. Otherwise the model reads the whole: an unknown
word may be a verb ("roll the shade to 90% open"). A known word (a negation, a question word, a room)
is never dropped. No list of names or interjections: what is unknown is what the home's templates,
names and the language's phrases do not use. Words after a command ("..., cheers") are never dropped:
they may say how ("close the curtain halfway", "soundbar on standby").
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

#: At most this many unknown words are taken for an address ("ok hey hearth").
MOST = 3


def without_address(text: str, droppable: Callable[[str], bool]) -> Iterator[str]:
    """``text`` without its first 1..MOST words, shortest cut first, while every word cut is
    ``droppable`` (unknown to the home, or a word that answers yes: "ok", "okay")."""
    spans = list(re.finditer(r"\S+", text))
    for count in range(1, min(MOST, len(spans) - 1) + 1):
        if not droppable(spans[count - 1].group()):
            return
        yield text[spans[count].start():]

