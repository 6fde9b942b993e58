"""A command that names no device of the one kind it is for: "next track", "set the volume to 60".

Home Assistant's templates read such a command only with the room of the device that heard it, and
act on that room's device of the kind. A home often has its one player or vacuum in another room, or
the command was typed, with no room at all. For the kinds a home has one or two of
(`devices.home_assistant.COMMANDED_ALONE`), the command is read as said in a room that has one: one
device of its kind is the one meant; several are asked about ("Which one: the TV or the Record Player?").
A device or room that was said and is not in the home is never read as another: the words still say
it, and the templates do not read them without it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from app.core.clarify import MAX_CHOICES, Choice
from app.core.home_view import HomeView
from devices.decision import Recognition
from devices.home_assistant import COMMANDED_ALONE, INTENT_DOMAINS
from devices.registry import Entity
from devices.resolve import resolve
from devices.state import StateStore


def read_by_kind(view: HomeView, states: StateStore, text: str,
                 context: dict[str, Any]) -> tuple[Optional[Recognition], Optional[Choice]]:
    """The recognition for the one device of its kind that ``text`` can mean (with that device's room),
    or the choice among several; (None, None) when the text reads so for no kind."""
    vocab, home = view.vocab, view.home
    if vocab.negated(text) or vocab.is_statement(text) or vocab.is_question(text):
        return None, None
    placed = [e for e in home.entities if e.domain in COMMANDED_ALONE and home.area(e.area_id) is not None]
    if not placed:
        return None, None
    # Which room the templates are given does not change what they read, only the room it is about: one
    # reading serves every device.
    room = home.area(placed[0].area_id).name
    recognition = view.recognizer.recognize(text, {**context, "area": room})
    domains = INTENT_DOMAINS.get(recognition.intent or "", ())
    if len(domains) != 1 or "name" in recognition.slots or "floor" in recognition.slots \
            or recognition.slots.get("area") != room:
        return None, None  # no command for one kind; a device, floor or room said ("next track in the kitchen")
    devices = [e for e in placed if e.domain == domains[0]]
    if len(devices) > MAX_CHOICES:
        return None, None
    readings = {e.id: fill(recognition, e, view) for e in devices}
    readings = {i: r for i, r in readings.items() if resolve(r, home, states).targets == (i,)}
    if len(readings) == 1:
        return next(iter(readings.values())), None
    if readings:
        return None, Choice((), (), tuple(readings), reading=recognition)
    return None, None


def fill(reading: Recognition, entity: Entity, view: HomeView) -> Recognition:
    """``reading`` about ``entity``: its name and its room in the slots."""
    area = view.home.area(entity.area_id)
    slots = {**reading.slots, "name": entity.name, **({"area": area.name} if area else {})}
    texts = {**reading.slot_texts, "name": entity.name, **({"area": area.name} if area else {})}
    return replace(reading, slots=slots, slot_texts=texts)
