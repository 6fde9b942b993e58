"""A command that names no device of the one kind it is for: "next track", "set the volume to 60".

Home Assistant's templates read such a command only with the room of the device that heard it, and
act on that room's device of the kind. A home often has its one player or vacuum in another room, or
the command was typed, with no room at all. For the kinds a home has one or two of
(`devices.home_assistant.COMMANDED_ALONE`), the command is read in each room that has one: one device
found is the one meant; several are asked about ("Which one: the TV or the Record Player?").
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
    for domain in sorted(COMMANDED_ALONE):
        devices = [e for e in home.entities if e.domain == domain and home.area(e.area_id) is not None]
        if not devices or len(devices) > MAX_CHOICES:
            continue
        readings = {}
        for entity in devices:
            recognition = _read_in_room(view, states, text, context, entity, domain)
            if recognition is not None:
                readings[entity.id] = recognition
        if len(readings) == 1:
            return next(iter(readings.values())), None
        if readings:
            first = next(iter(readings.values()))
            return None, Choice((), (), tuple(readings), reading=first)
    return None, None


def _read_in_room(view: HomeView, states: StateStore, text: str, context: dict[str, Any], entity: Entity,
                  domain: str) -> Optional[Recognition]:
    """``text`` read as said in ``entity``'s room, when that reading is a command for its kind that acts
    on ``entity`` (and on no other device)."""
    area = view.home.area(entity.area_id)
    recognition = view.recognizer.recognize(text, {**context, "area": area.name})
    if recognition.intent is None or INTENT_DOMAINS.get(recognition.intent) != (domain,) \
            or "name" in recognition.slots or "floor" in recognition.slots:
        return None
    if recognition.slots.get("area") != area.name:
        return None  # a room was said ("next track in the kitchen"): that room, or nothing
    named = fill(recognition, entity, view)
    decision = resolve(named, view.home, states, area.name)
    return named if decision.error is None and decision.targets == (entity.id,) else None


def fill(reading: Recognition, entity: Entity, view: HomeView) -> Recognition:
    """``reading`` about ``entity``: its name and its room in the slots."""
    area = view.home.area(entity.area_id)
    slots = {**reading.slots, "name": entity.name, **({"area": area.name} if area else {})}
    texts = {**reading.slot_texts, "name": entity.name, **({"area": area.name} if area else {})}
    return replace(reading, slots=slots, slot_texts=texts)
