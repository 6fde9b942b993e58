"""The words speech-to-text is primed with: this home's rooms, devices and commands.

Whisper reads a prompt as the text that came before the audio, and leans
toward its words. A tiny model on a robotic or noisy voice hears "bedroom" as
"man room" and "fan" as "and"; primed with a few commands of this home ("Turn
on the lights in the bedroom. Turn off the kitchen fan.") and the names of its
rooms and devices, it writes them far more often. The prompt is built from
the registry, so it follows the home when devices are discovered. Each
decoding pass reads the prompt once (about 15 ms for this one on tiny.en).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

from devices.home_assistant import CONTROLLABLE
from devices.registry import Entity, Home
from intents.vocabulary import Vocabulary

#: Whisper's prompt holds at most 223 tokens; names beyond this many words are left out (and each
#: word costs decoder time on every utterance).
MAX_WORDS = 60


def _unique(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for name in names:
        if name and name.lower() not in seen:
            seen.add(name.lower())
            kept.append(name)
    return kept


def _commands(home: Home, commanded: list[Entity], vocab: Vocabulary) -> list[str]:
    """One command per kind of device the home has, each naming a room not named yet where it can
    (so that more rooms are heard in context)."""
    area_names = {a.id: a.name for a in home.areas}
    sentences: list[str] = []
    named: set[str] = set()
    # Brightness is the most common setting after on and off: a second command for lights.
    commands = [(d, c) for d, c in vocab.prompt_commands.items() if d != "brightness"]
    if "brightness" in vocab.prompt_commands:
        commands.append(("light", vocab.prompt_commands["brightness"]))
    for domain, command in commands:
        if not any(e.domain == domain for e in commanded):
            continue
        rooms = _unique(area_names[e.area_id] for e in commanded if e.domain == domain and e.area_id in area_names)
        room = next((r for r in rooms if r not in named), rooms[0] if rooms else "")
        # The room's part of a command is in brackets: kept with a room, left out without one.
        command = re.sub(r"\[([^\]]*)\]", r"\1" if room else "", command)
        sentences.append(command.format(area=room.lower()))
        named.add(room)
    return sentences


def home_prompt(home: Home, vocab: Vocabulary, max_words: int = MAX_WORDS, own: Sequence[str] = ()) -> str:
    """Commands for the kinds of device the home has and ``own`` (one of each of the user's own intents),
    then its room, floor and device names, in at most ``max_words`` words."""
    commanded = [e for e in home.entities if e.domain in CONTROLLABLE]
    in_room = Counter(e.area_id for e in commanded)
    # Rooms with more devices first: they are spoken of more often.
    areas = sorted(home.areas, key=lambda a: (-in_room[a.id], a.name))
    sentences = _commands(home, commanded, vocab) + [f"{text[:1].upper()}{text[1:]}." for text in own]
    said = " {} ".format(re.sub(r"[^\w\s]", " ", " ".join(sentences).lower()))
    every_name = _unique([a.name for a in areas] + [f.name for f in home.floors] + [e.name for e in commanded])
    names = [n for n in every_name if f" {n.lower()} " not in said]  # not twice
    kept: list[str] = []
    words = 0
    for part in sentences + names:
        if words + len(part.split()) <= max_words:
            kept.append(part)
            words += len(part.split())
    listed = [p for p in kept if p in names]
    parts = [p for p in kept if p not in listed] + ([", ".join(listed) + "."] if listed else [])
    return " ".join([vocab.prompt_preamble, *parts] if vocab.prompt_preamble else parts)
