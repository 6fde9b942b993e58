"""Plain commands the template stage understands, and what an utterance mentions.

The LLM stage does not invent intents and slots: it rewrites what was said as
one plain command ("turn off Garage Light"), under a grammar that offers only
the devices, rooms, floors, numbers and colours the user actually mentioned,
and the template stage (hassil, Home Assistant's own sentences) reads that
command. So the LLM cannot name a device nobody spoke of, and every action it
leads to is one Home Assistant's templates define.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Optional

from devices.commands import COLORS
from devices.registry import Home

_WORD = re.compile(r"[a-z0-9']+")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "fifteen": 15, "twenty": 20, "twenty five": 25, "thirty": 30, "forty": 40, "fifty": 50,
                 "sixty": 60, "seventy": 70, "seventy five": 75, "eighty": 80, "ninety": 90, "hundred": 100}
#: What each kind of device is called when no name is given, as the templates say it.
KIND_WORDS = {"light": "lights", "fan": "fans", "cover": "curtains", "media_player": "TV", "vacuum": "vacuum",
              "climate": "thermostat", "lock": "locks", "switch": "switches"}


def words(text: str) -> list[str]:
    """Lower-case words."""
    return _WORD.findall(text.casefold())


def _close(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and SequenceMatcher(None, a, b).ratio() >= 0.8)


def mentioned(name: str, heard: list[str]) -> bool:
    """Every word of ``name`` (but little ones) was said, misspellings allowed; "lights" counts for "light"."""
    wanted = [w for w in words(name) if len(w) > 2 or w.isdigit()] or words(name)
    return bool(wanted) and all(any(_close(w, h) or _close(w + "s", h) for h in heard) for w in wanted)


@dataclass(frozen=True)
class Mentions:
    """What an utterance names."""

    names: tuple[str, ...]
    """Entity names (canonical spelling) it mentions."""
    areas: tuple[str, ...]
    """Area names."""
    floors: tuple[str, ...]
    """Floor names."""
    numbers: tuple[int, ...]
    """Numbers, from digits or words."""
    colors: tuple[str, ...]
    """Colour names."""


def find_mentions(text: str, home: Home) -> Mentions:
    """The registry's names, areas and floors that ``text`` mentions, and its numbers and colours."""
    heard = words(text)
    names = {e.name for e in home.entities for n in e.names if mentioned(n, heard)}
    areas = {a.name for a in home.areas for n in (a.name, *a.aliases) if mentioned(n, heard)}
    floors = {f.name for f in home.floors for n in (f.name, *f.aliases) if mentioned(n, heard)}
    joined = " ".join(heard)
    numbers = {int(n) for n in re.findall(r"\d+", joined)}
    numbers |= {v for w, v in _NUMBER_WORDS.items() if re.search(rf"\b{w}\b", joined)}
    colors = {c for c in COLORS if c in heard and c != "black"}
    # Names inside longer mentioned names are dropped ("Light" in "Garage Light"), and so is a room
    # whose words are part of a mentioned name ("Living Room" of "Living Room Lamp").
    names -= {n for n in names if any(n != m and n.casefold() in m.casefold() for m in names)}
    areas -= {a for a in areas if any(a.casefold() in n.casefold() for n in names)}
    return Mentions(tuple(sorted(names)), tuple(sorted(areas)), tuple(sorted(floors)),
                    tuple(sorted(n for n in numbers if 0 <= n <= 120)), tuple(sorted(colors)))


#: Words that name a kind of device, for "start the vacuum" or "pause the tv" in the room one is in.
KIND_OF = {"vacuum": "vacuum", "hoover": "vacuum", "tv": "media_player", "television": "media_player",
           "fan": "fan", "thermostat": "climate", "heat": "climate", "heating": "climate"}


def nearby_names(text: str, home: Home, area_name: Optional[str]) -> tuple[str, ...]:
    """Names of the devices in the speaker's room whose kind was said ("the vacuum" is Rover)."""
    area = home.find_area(area_name) if area_name else None
    kinds = {KIND_OF[w] for w in words(text) if w in KIND_OF}
    if area is None or not kinds:
        return ()
    return tuple(sorted(e.name for e in home.entities if e.area_id == area.id and e.domain in kinds))


def render(intent: Optional[str], slots: dict[str, Any]) -> Optional[str]:
    """The plain command for an intent and its slots (None where there is no plain form)."""
    if intent is None:
        return "none"
    name, area, floor, domain = slots.get("name"), slots.get("area"), slots.get("floor"), slots.get("domain")
    kind = KIND_WORDS.get(str(domain), "lights")
    if name:
        target = str(name)
    elif area:
        target = f"the {kind} in the {area}"
    elif floor:
        target = f"the {kind} on the {floor}"
    else:
        target = f"the {kind}"
    if intent in ("HassTurnOn", "HassTurnOff"):
        on = intent == "HassTurnOn"
        if domain == "lock":
            return f"{'lock' if on else 'unlock'} {target}"
        if domain in ("cover", "valve"):
            return f"{'open' if on else 'close'} {target}"
        return f"turn {'on' if on else 'off'} {target}"
    if intent == "HassLightSet":
        if "color" in slots:
            return f"set {target} to {slots['color']}"
        if "brightness" in slots:
            return f"set {target} brightness to {slots['brightness']}%"
    if intent == "HassSetPosition" and "position" in slots:
        return f"set {target} position to {slots['position']}%"
    if intent == "HassClimateSetTemperature" and "temperature" in slots:
        return f"set {target} to {slots['temperature']} degrees" if name else \
            f"set the temperature{f' in the {area}' if area else ''} to {slots['temperature']} degrees"
    if intent == "HassGetState" and name:
        state = slots.get("state")
        return f"is {name} {state}" if state else f"what is the state of {name}"
    simple = {"HassMediaPause": "pause", "HassMediaUnpause": "resume", "HassMediaNext": "next track on",
              "HassVacuumStart": "start", "HassVacuumReturnToBase": "return"}
    if intent in simple and (name or domain):
        return f"{simple[intent]} {target}"
    return None


_LIGHT_WORDS = {"light", "lights", "lamp", "lamps", "lighting"}
_COVER_WORDS = {"curtain", "curtains", "blind", "blinds", "shade", "shades", "shutter", "shutters", "cover", "covers"}
#: How the templates say each action, by domain.
VERBS = {
    "light": ("turn on", "turn off"), "switch": ("turn on", "turn off"), "fan": ("turn on", "turn off"),
    "input_boolean": ("turn on", "turn off"), "media_player": ("turn on", "turn off", "pause", "resume"),
    "cover": ("open", "close"), "valve": ("open", "close"), "lock": ("lock", "unlock"),
    "scene": ("activate",), "script": ("run",), "vacuum": ("start", "return"),
}
#: States a question may ask about, by domain.
STATES = {"light": ("on", "off"), "switch": ("on", "off"), "fan": ("on", "off"), "binary_sensor": ("on", "off"),
          "cover": ("open", "closed"), "valve": ("open", "closed"), "lock": ("locked", "unlocked")}


def answers(m: Mentions, home: Home, context_area: Optional[str], text: str = "") -> list[str]:
    """Every plain command over what was mentioned, and "none": the only answers the model may give.
    Each target gets only the verbs, states and values its kind of device takes, and a colour or
    a number that was said must be used: a command that ignores it is not what was asked."""
    heard = set(words(text))
    percent = bool({"percent", "per", "cent"} & heard) or "%" in text
    degrees = bool({"degrees", "degree"} & heard) or "°" in text
    # A room's or floor's devices by kind, only for a kind that was named ("lights", "the lamps"...).
    kinds = [(k, d) for k, d, said in (("lights", "light", _LIGHT_WORDS), ("fans", "fan", {"fan", "fans"}),
                                       ("curtains", "cover", _COVER_WORDS))
             if any(mentioned(w, sorted(heard)) for w in said)]
    domain_of = {e.name: e.domain for e in home.entities}
    targets = [(f"the {k} in the {a}", d) for a in m.areas for k, d in kinds]
    targets += [(f"the {k} on the {f}", d) for f in m.floors for k, d in kinds if d == "light"]
    targets += [(n, domain_of.get(n, "")) for n in m.names]
    if context_area:
        targets += [(f"the {k}", d) for k, d in kinds]
    found = ["none"]
    if not (m.colors or m.numbers):
        found += [f"{verb} {t}" for t, d in targets for verb in VERBS.get(d, ())]
        found += [f"is {t} {state}" for t, d in targets for state in STATES.get(d, ())]
    lights = [t for t, d in targets if d == "light"]
    found += [f"set {t} to {c}" for t in lights for c in m.colors]
    climates = {a.name for a in home.areas if any(e.domain == "climate" and e.area_id == a.id for e in home.entities)}
    for n in m.numbers:
        if not degrees:
            found += [f"set {t} brightness to {n}%" for t in lights]
            found += [f"set {t} position to {n}%" for t, d in targets if d == "cover"]
        if not percent:
            found += [f"set {t} to {n} degrees" for t, d in targets if d == "climate"]
            found += [f"set the temperature in the {a} to {n} degrees" for a in m.areas if a in climates]
            if context_area in climates and not m.areas:
                found.append(f"set the temperature to {n} degrees")
    return list(dict.fromkeys(found))
