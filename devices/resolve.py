"""From Home Assistant slots to the exact set of target entities and action data.

Follows Home Assistant's matching: filter by name (or alias), floor, area,
domain and device class; for questions, split by the asked-for state. When no
area was said, entities in the area of the device that heard the command are
preferred ("turn on the lights" in the garage means the garage's lights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Optional

from devices.decision import Decision, Recognition
from devices.home_assistant import (
    ACTION_INTENTS,
    CONTROLLABLE,
    INTENT_DOMAINS,
    QUERY_INTENTS,
    WINDOW_COVERINGS,
)
from devices.registry import Entity, Home, normalize_name
from devices.state import EntityState, StateStore

#: Numeric slots that become action data, with their valid range.
_NUMERIC_DATA: dict[str, tuple[float, float]] = {
    "brightness": (0, 100),
    "position": (0, 100),
    "volume_level": (0, 100),
    "temperature": (-50, 120),
    "hours": (0, 1000),
    "minutes": (0, 100_000),
    "seconds": (0, 10_000_000),
}


@dataclass(frozen=True)
class Filters:
    """The constraints a recognition puts on its targets."""

    name: Optional[str] = None
    area: Optional[str] = None
    floor: Optional[str] = None
    domains: tuple[str, ...] = ()
    device_class: tuple[str, ...] = ()
    state: Optional[str] = None


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple, set)) else (str(value),)


def _one_text(value: Any) -> Optional[str]:
    """A slot as one string: recognisers (an LLM above all) may give numbers or lists."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return _one_text(value[0]) if value else None
    return str(value)


def filters_for(recognition: Recognition) -> Filters:
    """Turn slots into filters, with domains implied by the intent."""
    slots = recognition.slots
    domains = _as_tuple(slots.get("domain")) or _as_tuple(recognition.requires.get("domain")) \
        or INTENT_DOMAINS.get(recognition.intent or "", ())
    name = _one_text(slots.get("name"))
    return Filters(
        # Home Assistant's templates say name "all" for "all the fans": no name filter.
        name=None if name is not None and normalize_name(name) == "all" else name,
        area=_one_text(slots.get("area")),
        floor=_one_text(slots.get("floor")),
        domains=domains,
        device_class=_as_tuple(slots.get("device_class")),
        state=slots.get("state") if isinstance(slots.get("state"), str) else None,
    )


def _matches(entity: Entity, home: Home, f: Filters, area_id: Optional[str], floor_id: Optional[str]) -> bool:
    if f.name is not None and normalize_name(f.name) not in {normalize_name(n) for n in entity.names}:
        return False
    if f.floor is not None and home.floor_of(entity) != floor_id:
        return False
    if f.area is not None and entity.area_id != area_id:
        return False
    if f.domains and entity.domain not in f.domains:
        return False
    if f.device_class and entity.device_class not in f.device_class:
        return False
    return True


#: Why nothing can be done: English words for logs and ``hearth eval``, and Home Assistant's error
#: response key with its slots, which the reply renders in the home's language.
Reason = tuple[str, tuple[str, dict[str, Any]]]


def _describe(f: Filters) -> Reason:
    what = f"named {f.name}" if f.name else ""
    kind = f.device_class[0].replace("_", " ") if f.device_class else (f.domains[0].replace("_", " ") if f.domains else "device")
    where = f" in the {f.area}" if f.area else (f" on the {f.floor}" if f.floor else "")
    english = f"No {kind} {what}{where}".replace("  ", " ").strip()
    subject, slots = ("entity", {"entity": f.name}) if f.name else \
        ("device_class", {"device_class": f.device_class[0]}) if f.device_class else \
        ("domain", {"domain": f.domains[0]}) if f.domains else ("entity", {"entity": ""})
    place = ("_in_area", {"area": f.area}) if f.area else ("_in_floor", {"floor": f.floor}) if f.floor else ("", {})
    return english, (f"no_{subject}{place[0]}", {**slots, **place[1]})


def _candidates(
    recognition: Recognition, home: Home, f: Filters, area_id: Optional[str], floor_id: Optional[str]
) -> list[Entity]:
    found = [e for e in home.entities if _matches(e, home, f, area_id, floor_id)]
    if recognition.intent in ACTION_INTENTS:
        found = [e for e in found if e.domain in CONTROLLABLE]
    return found


def find_targets(
    recognition: Recognition, home: Home, context_area: Optional[str] = None
) -> tuple[list[Entity], Optional[Reason]]:
    """Entities the recognition refers to, or why there are none."""
    f = filters_for(recognition)
    area_id = floor_id = None
    if f.area is not None:
        area = home.find_area(f.area)
        if area is None:
            return [], (f"I don't know an area called {f.area}", ("no_area", {"area": f.area}))
        area_id = area.id
    if f.floor is not None:
        floor = home.find_floor(f.floor)
        if floor is None:
            return [], (f"I don't know a floor called {f.floor}", ("no_floor", {"floor": f.floor}))
        floor_id = floor.id
    found = _candidates(recognition, home, f, area_id, floor_id)
    here = home.find_area(context_area) if context_area else None
    if not found and here is not None and area_id == here.id and f.name is not None:
        # The area came from where the speaker is, not from what they said:
        # a named device elsewhere is still the one they mean.
        f = replace(f, area=None)
        found = _candidates(recognition, home, f, None, floor_id)
    if not found and f.device_class and set(f.device_class) <= WINDOW_COVERINGS and (area_id or floor_id):
        # "close the dining room curtains" where the dining room has blinds: a window covering of another
        # class, in the room or on the floor said (never the whole home's).
        found = _candidates(recognition, home, replace(f, device_class=tuple(sorted(WINDOW_COVERINGS))),
                            area_id, floor_id)
    if not found:
        return [], _describe(f)
    kinds = {e.domain for e in found}
    if f.name is not None and len(kinds) > 1 and recognition.intent in ACTION_INTENTS:
        # One name, devices of several kinds, and nothing said that tells them apart ("turn off the Front
        # Door": the lock or the light?): Home Assistant's answer for duplicate names, nothing done.
        return [], (f"There are several devices called {f.name}", ("duplicate_entities", {"entity": f.name}))
    # A name several devices share, with no area or floor said: the one in the speaker's room. A kind
    # said without a room ("turn off all the lights": the templates fill the room in where a sentence
    # means the speaker's) is the whole home's, as in Home Assistant.
    if f.name is not None and f.area is None and f.floor is None and here is not None:
        local = [e for e in found if e.area_id == here.id]
        if local:
            found = local
    return found, None


def normalize_data(slots: dict[str, Any]) -> dict[str, Any]:
    """Action parameters from slots: percentages and temperatures as numbers, colours by name."""
    data: dict[str, Any] = {}
    for key, (low, high) in _NUMERIC_DATA.items():
        if key not in slots:
            continue
        try:
            value = float(min(max(float(slots[key]), low), high))
        except (TypeError, ValueError, OverflowError):  # e.g. a spoken word the template kept as text
            data[key] = slots[key]
            continue
        if not math.isfinite(value):
            continue
        data[key] = int(value) if value.is_integer() else round(value, 1)
    if isinstance(slots.get("color"), str):
        data["color"] = slots["color"].strip().lower()
    for step, level in _STEPS.items():
        if step in slots:
            data[step] = _step(slots[step], _DEFAULT_STEP[level])
    return data


#: Relative changes: the step slot and the level it changes (Home Assistant's ``volume_step``; Hearth's
#: ``brightness_step`` in intents/sentences/), each "up", "down" or a signed percentage.
_STEPS = {"brightness_step": "brightness", "volume_step": "volume_level"}
#: A step said without a size: Home Assistant's media players step volume by 10%; lights by a quarter.
_DEFAULT_STEP = {"brightness": 25.0, "volume_level": 10.0}


#: The level's name as Home Assistant's responses name it (its slot names, the same in every language).
_LEVEL_WORDS = {"brightness": "brightness", "volume_level": "volume"}


def _step(value: Any, default: float) -> Optional[float]:
    """The signed percentage of a step slot; None when it is neither a direction nor a number."""
    if value in ("up", "down"):
        return default if value == "up" else -default
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and abs(number) <= 100 else None


def _level_now(level: str, state: EntityState) -> Optional[float]:
    """An entity's brightness or volume now, in percent; None when unknown. A light that is on and
    reports no brightness is at full; one that is off is at 0."""
    value = state.attributes.get("brightness" if level == "brightness" else "volume_level")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number):
        return (100.0 if state.state == "on" else 0.0 if state.state == "off" else None) \
            if level == "brightness" else None
    if level == "brightness":
        return number * 100 / 255  # Home Assistant's brightness is 0..255
    return number * 100 if number <= 1 else number  # volume_level is 0..1; some report percent


def _stepped(decision: Decision, home: Home, states: StateStore) -> Decision:
    """A relative change made absolute for each target from its known state: ``data`` gets the level
    where every target reaches the same one, and ``per_target`` each target's. A target whose level is
    unknown cannot be stepped, and nothing is done (never a guess)."""
    data = decision.data
    step_key = next((k for k in _STEPS if k in data), None)
    if step_key is None or not decision.targets:
        return decision
    level, step = _STEPS[step_key], data[step_key]
    if step is None:  # neither a direction nor a percentage (a model's slot): nothing is guessed
        first = home.entity(decision.targets[0])
        return replace(decision, error="The step is not a number",
                       reason=("cannot_do", {"name": first.name if first else decision.targets[0]}))
    levels: dict[str, int] = {}
    for target in decision.targets:
        entity = home.entity(target)
        state = states.get(target)
        if entity is not None and not state.attributes and entity.attributes:  # a fixture's declared state
            state = EntityState(state.state, dict(entity.attributes))
        now = _level_now(level, state)
        if now is None:
            name = entity.name if entity else target
            return replace(decision, error=f"The {level.replace('_', ' ')} of {name} is not known",
                           reason=("level_unknown", {"name": name, "level": _LEVEL_WORDS[level]}))
        floor = 1.0 if level == "brightness" and now > 0 else 0.0  # dimming never switches a light off
        levels[target] = int(round(min(100.0, max(floor, now + step))))
    values = set(levels.values())
    stepped = {**data, "per_target": {t: {level: v} for t, v in levels.items()}}
    if len(values) == 1:
        stepped[level] = values.pop()
    return replace(decision, data=stepped)


def _weather(recognition: Recognition, home: Home, data: dict[str, Any]) -> Decision:
    """HassGetWeather: the weather entity named, else the home's first one."""
    said = recognition.slots.get("name")
    found = [e for e in home.entities if e.domain == "weather"
             and (said is None or normalize_name(str(said)) in {normalize_name(n) for n in e.names})]
    if not found:
        return Decision(recognition, data=data, error="No weather entity", reason=("no_weather", {}))
    return Decision(recognition, targets=(found[0].id,), data=data, matched=(found[0].id,))


#: What turning a vacuum on or off is, in Home Assistant's vacuum intents.
_VACUUM_INTENTS = {"HassTurnOn": "HassVacuumStart", "HassTurnOff": "HassVacuumReturnToBase"}


def resolve(
    recognition: Recognition,
    home: Home,
    states: StateStore,
    context_area: Optional[str] = None,
) -> Decision:
    """Apply a recognition to the home."""
    if recognition.intent is None:
        return Decision(recognition, error="Sorry, I didn't understand that")
    data = normalize_data(recognition.slots)
    if recognition.intent == "HassGetWeather":
        return _weather(recognition, home, data)
    needs_targets = recognition.intent in ACTION_INTENTS or recognition.intent in QUERY_INTENTS
    if not needs_targets:
        return Decision(recognition, data=data)
    targets, error = find_targets(recognition, home, context_area)
    if error:
        return Decision(recognition, data=data, error=error[0], reason=error[1])
    if recognition.intent in _VACUUM_INTENTS and targets and all(e.domain == "vacuum" for e in targets):
        # A vacuum turned on starts and turned off goes home (what Hearth sends it): Home Assistant's own
        # vacuum intents say so, where its HassTurnOn would call a turn_on most vacuums do not have.
        recognition = replace(recognition, intent=_VACUUM_INTENTS[recognition.intent])
    wanted_state = filters_for(recognition).state
    matched = [e.id for e in targets if wanted_state is None or states.get(e.id).state == wanted_state]
    decision = Decision(recognition, targets=tuple(e.id for e in targets), data=data, matched=tuple(matched))
    return _stepped(decision, home, states)
