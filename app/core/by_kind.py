"""A command that names no device of the one kind it is for: "next track", "set the volume to 60".

Home Assistant's templates read such a command only with the room of the device that heard it, and
act on that room's device of the kind. A home often has its one player or vacuum in another room, or
the command was typed, with no room at all. For the kinds a home has one or two of
(`devices.home_assistant.COMMANDED_ALONE`), and for a device class said ("open the window"), the command
is read as said in one of the home's rooms: one device of its kind is the one meant; several are asked
about ("Which one: the TV or the Record Player?").
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
    if not home.areas or vocab.negated(text) or vocab.is_statement(text) or vocab.is_question(text):
        return None, None
    # Which room the templates are given does not change what they read, only the room it is about: one
    # reading serves every device.
    room = home.areas[0].name
    recognition = view.recognizer.recognize(text, {**context, "area": room})
    slots = recognition.slots
    if recognition.intent is None or "name" in slots or "floor" in slots or slots.get("area") != room:
        return None, None  # no command; a device, floor or room said ("next track in the kitchen")
    devices = [e for e in home.entities if home.area(e.area_id) is not None and _of_the_kind(e, recognition)]
    if not devices or len(devices) > MAX_CHOICES:
        return None, None
    readings = {e.id: fill(recognition, e, view) for e in devices}
    readings = {i: r for i, r in readings.items() if resolve(r, home, states).targets == (i,)}
    if len(readings) == 1:
        return next(iter(readings.values())), None
    if readings:
        return None, Choice((), (), tuple(readings), reading=recognition)
    return None, None


def _of_the_kind(entity: Entity, recognition: Recognition) -> bool:
    """True when ``entity`` is of the kind the command is for: the device class said ("open the window"),
    else the one kind its intent takes, a kind a home has one or two of ("next track")."""
    classes = recognition.slots.get("device_class")
    if classes:
        return entity.device_class in ((classes,) if isinstance(classes, str) else tuple(classes))
    domains = INTENT_DOMAINS.get(recognition.intent or "", ())
    return len(domains) == 1 and domains[0] in COMMANDED_ALONE and entity.domain == domains[0]


def fill(reading: Recognition, entity: Entity, view: HomeView) -> Recognition:
    """``reading`` about ``entity``: its name and its room in the slots."""
    area = view.home.area(entity.area_id)
    slots = {**reading.slots, "name": entity.name, **({"area": area.name} if area else {})}
    texts = {**reading.slot_texts, "name": entity.name, **({"area": area.name} if area else {})}
    return replace(reading, slots=slots, slot_texts=texts)
