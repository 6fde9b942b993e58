"""Plain commands the template stage understands, and what an utterance mentions.

The LLM stage does not invent intents and slots: it rewrites what was said as
one plain command ("turn off Garage Light"), under a grammar that offers only
the devices, rooms, floors, numbers and colours the user actually mentioned,
and the template stage (hassil, Home Assistant's own sentences) reads that
command. So the LLM cannot name a device nobody spoke of, and every action it
leads to is one Home Assistant's templates define. The words and the shapes
of the plain commands come from the language's vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Optional, Sequence

from devices.commands import COLORS
from devices.home_assistant import COMMANDED_ALONE
from devices.registry import Home
from intents.repair import edit_distance, sound_key
from intents.steps import DIRECTIONS, NO_STEPS, StepWords
from intents.vocabulary import Vocabulary

#: Numbers outside this range are no brightness, position or temperature anyone asks for.
_NUMBER_RANGE = (0, 120)


def _close(a: str, b: str, vowels: str = "") -> bool:
    """The same word, or a misspelling of it: close in spelling, or in sound ("lamb" for "lamp",
    "dor" for "door"), or without one of its ``vowels``; digits must match exactly."""
    if a == b:
        return True
    if a.isdigit() or b.isdigit():
        return False
    if min(len(a), len(b)) >= 4 and SequenceMatcher(None, a, b).ratio() >= 0.8:
        return True
    key_a, key_b = sound_key(a), sound_key(b)
    if min(len(key_a), len(key_b)) >= 3 and key_a == key_b:
        return True
    return (min(len(a), len(b)) >= 4 and a[0] == b[0] and edit_distance(key_a, key_b) <= 1) \
        or _vowel_dropped(a, b, vowels)


def _vowel_dropped(a: str, b: str, vowels: str) -> bool:
    """True when one word is the other without one of ``vowels`` after the first letter ("lft" for
    "left", "cabnets"): a word typed in haste."""
    long, short = (a, b) if len(a) > len(b) else (b, a)
    return len(short) >= 3 and len(long) == len(short) + 1 and any(
        long[i] in vowels and long[:i] + long[i + 1:] == short for i in range(1, len(long)))


def mentioned(name: str, heard: list[str], vocab: Vocabulary) -> bool:
    """Every word of ``name`` (but little ones) was said, misspellings allowed; "lights" counts for
    "light", and words said apart or run together count ("bed room", "frontdoor")."""
    named = vocab.words(name)
    wanted = [w for w in named if len(w) > 2 or w.isdigit()] or named
    if len(named) > 1 and any(_close("".join(named), h, vocab.vowels) for h in heard):
        return True
    # Each word said, or two said together, with the positions it covers.
    said = [((i,), h) for i, h in enumerate(heard)] + [((i, i + 1), a + b) for i, (a, b) in enumerate(zip(heard, heard[1:]))]
    options = [[at for at, h in said if _close(w, h, vocab.vowels) or _close(w + "s", h)] for w in wanted]
    return bool(wanted) and _apart(options, frozenset())


def _apart(options: list[list[tuple[int, ...]]], used: frozenset[int]) -> bool:
    """True when each word of a name has its own words said: one word said is not two of the name
    ("lights" is close to both words of "Night Light", and names only the one)."""
    if not options:
        return True
    return any(not used.intersection(at) and _apart(options[1:], used.union(at)) for at in options[0])


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


def find_mentions(text: str, home: Home, vocab: Vocabulary) -> Mentions:
    """The registry's names, areas and floors that ``text`` mentions, and its numbers and colours."""
    heard = vocab.words(text)
    names = {e.name for e in home.entities for n in e.names if mentioned(n, heard, vocab)}
    areas = {a.name for a in home.areas for n in (a.name, *a.aliases) if mentioned(n, heard, vocab)}
    floors = {f.name for f in home.floors for n in (f.name, *f.aliases) if mentioned(n, heard, vocab)}
    numbers = vocab.numbers(text)
    colors = {c for c in COLORS if vocab.said(text, vocab.color_words.get(c, c)) and c != "black"}
    # Names inside longer mentioned names are dropped ("Light" in "Garage Light"), and so is a room
    # whose words are part of a mentioned name ("Living Room" of "Living Room Lamp").
    names -= {n for n in names if any(n != m and n.casefold() in m.casefold() for m in names)}
    areas -= {a for a in areas if any(a.casefold() in n.casefold() for n in names)}
    names = _of_the_kind_said(names, heard, home, vocab)
    low, high = _NUMBER_RANGE
    return Mentions(tuple(sorted(names)), tuple(sorted(areas)), tuple(sorted(floors)),
                    tuple(sorted(n for n in numbers if low <= n <= high)), tuple(sorted(colors)))


def _of_the_kind_said(names: set[str], heard: list[str], home: Home, vocab: Vocabulary) -> set[str]:
    """Where a kind of device was said ("the ceiling light"), a name of another kind that shares a word
    with what was said ("Ceiling Fan") is not meant."""
    # Only kinds whose words other kinds' names share ("Ceiling Fan", "Kitchen ceiling" light).
    groups = {d: vocab.words_of_kind[d] for d in ("light", "fan", "cover")}
    said = {d for d, words in groups.items() if any(w in words or vocab.singular(w) in words for w in heard)}
    domain = {e.name: e.domain for e in home.entities}
    return {n for n in names if not said or domain.get(n) in said or domain.get(n) not in groups}


def _kinds_meant(text: str, vocab: Vocabulary, anywhere: bool = False) -> set[str]:
    """Kinds of device ``text`` names ("the vacuum"), or that only a verb said can act on ("skip");
    ``anywhere`` (nothing else named): also a kind commanded alone that a word said asks only of it
    ("开始打扫": 打扫 cleans, though 开始 also starts a script; "stop" may also turn a light off)."""
    kinds = {vocab.kind_of[w] for w in vocab.words(text) if w in vocab.kind_of}
    said = vocab.verbs_said(text)
    if len(said) == 1:  # one verb, and only one kind of device takes it
        takers = [domain for domain, verbs in vocab.verbs.items() if said <= set(verbs)]
        kinds |= set(takers) if len(takers) == 1 else set()
    if anywhere:
        for word, takers in vocab.takers_of_word.items():
            if len(takers) == 1 and takers <= COMMANDED_ALONE and word not in vocab.weak_cues \
                    and vocab.said(text, word):
                kinds |= takers
    return kinds


def nearby_names(text: str, home: Home, area_name: Optional[str], vocab: Vocabulary,
                 anywhere: bool = False) -> tuple[str, ...]:
    """Names of the devices in the speaker's room that ``text`` means by their kind ("the vacuum" is
    Rover; "skip" is the TV). ``anywhere``, where the utterance names no device, room or other kind:
    else the home's only device of that kind (a home with one TV pauses it wherever "pause" is said)."""
    area = home.find_area(area_name) if area_name else None
    others = _kind_words(vocab) - {w for w, kind in vocab.kind_of.items() if kind in COMMANDED_ALONE}
    anywhere = anywhere and not others & set(vocab.words(text))
    kinds = _kinds_meant(text, vocab, anywhere)
    devices = {e.id: e.name for e in home.entities if e.domain in kinds}
    in_room = {e.name for e in home.entities if e.id in devices and area is not None and e.area_id == area.id}
    if in_room or not anywhere:
        return tuple(sorted(in_room))
    return tuple(devices.values()) if len(devices) == 1 else ()


def _target(slots: dict[str, Any], vocab: Vocabulary) -> str:
    name, area, floor, domain = slots.get("name"), slots.get("area"), slots.get("floor"), slots.get("domain")
    kind = vocab.kind_words.get(str(domain), vocab.kind_words["light"])
    if name and name != "all":  # "all": the zh-CN templates' name for every device of a kind in a room
        return str(name)
    if area:
        return vocab.phrases["in_area"].format(kind=kind, area=area)
    if floor:
        return vocab.phrases["on_floor"].format(kind=kind, floor=floor)
    return vocab.phrases["kind"].format(kind=kind, area="")


def _turn(on: bool, domain: Any) -> str:
    """The phrase key of turning a device of ``domain`` on or off."""
    if domain == "lock":
        return "lock" if on else "unlock"
    if domain in ("cover", "valve"):
        return "open" if on else "close"
    return "on" if on else "off"


def render(intent: Optional[str], slots: dict[str, Any], vocab: Vocabulary) -> Optional[str]:
    """The plain command for an intent and its slots (None where there is no plain form)."""
    phrases = vocab.phrases
    if intent is None:
        return phrases["none"]
    target, name, area = _target(slots, vocab), slots.get("name"), slots.get("area")
    if intent in ("HassTurnOn", "HassTurnOff"):
        return phrases[_turn(intent == "HassTurnOn", slots.get("domain"))].format(target=target)
    if intent == "HassLightSet":
        if "color" in slots:
            return phrases["color"].format(target=target, color=vocab.color_words.get(slots["color"], slots["color"]))
        if "brightness" in slots:
            return phrases["brightness"].format(target=target, value=slots["brightness"])
    if intent == "HassSetPosition" and "position" in slots:
        return phrases["position"].format(target=target, value=slots["position"])
    if intent == "HassClimateSetTemperature" and "temperature" in slots:
        value = slots["temperature"]
        if name:
            return phrases["temperature"].format(target=target, value=value)
        if area:
            return phrases["area_temperature"].format(area=area, value=value)
        return phrases["here_temperature"].format(value=value)
    if intent == "HassGetState" and name:
        state = slots.get("state")
        return phrases["is_state"].format(target=name, state=state) if state else \
            phrases["state_of"].format(target=name)
    if intent in phrases and (name or slots.get("domain")):
        return phrases[intent].format(target=target)
    return None


def _kinds(heard: list[str], needed: set[str], vocab: Vocabulary) -> list[tuple[str, str]]:
    """(how the templates name the kind, domain) of every kind of device said or needed. Covers are
    named by the word said ("the shades"), which the templates read as the device class."""
    kinds = []
    for domain, words in (("light", vocab.light_words), ("fan", vocab.fan_words), ("cover", vocab.cover_words)):
        said = [w for w in heard if any(_close(w, word) for word in words)]
        if said and domain == "cover":  # a misspelt word as the word it stands for ("shaid": "shade")
            kinds.append((max(sorted(words), key=lambda w: SequenceMatcher(None, said[0], w).ratio()), domain))
        elif said or domain in needed:
            kinds.append((vocab.kind_words[domain], domain))
    return kinds


def _targets(m: Mentions, home: Home, context_area: Optional[str], heard: list[str], needed: set[str],
             vocab: Vocabulary, whole: bool = False) -> list[tuple[str, str]]:
    """Every target over what was mentioned, with its domain. A room's or floor's devices by kind
    only for a kind that was named ("lights", "the lamps"...) or that an indirect request needs;
    ``whole``: the words asked for the whole home, so a kind named may be every one of it."""
    kinds = _kinds(heard, needed, vocab)
    domain_of = home.domain_of
    if "cover" in needed and not any(_close(w, word) for w in heard for word in vocab.cover_words):
        # A cover that an indirect request needs ("too much sun") is asked for by its device class in
        # the room ("the shades"): the templates read the word as one, and the room may have no curtains.
        kinds = [(k, d) for k, d in kinds if d != "cover"]
        targets = _needed_covers(m, home, context_area, vocab)
    else:
        targets = []
    targets += [(vocab.phrases["in_area"].format(kind=k, area=a), d) for a in m.areas for k, d in kinds]
    targets += [(vocab.phrases["on_floor"].format(kind=k, floor=f), d) for f in m.floors for k, d in kinds
                if d == "light"]
    targets += [(n, domain_of.get(n, "")) for n in m.names]
    if whole and not (m.areas or m.floors or needed) and "all" in vocab.phrases:
        # A kind said with no room or floor, in the words of the whole home ("all lights off", "lights out
        # in the house"), as the templates read "all the lights"; never for an indirect request.
        # A device of that kind named ("the Shutters") is meant rather than all of them.
        named = {domain_of.get(n, "") for n in m.names}
        targets += [(vocab.phrases["all"].format(kind=k), d) for k, d in _kinds(heard, set(), vocab) if d not in named]
    if context_area and not m.areas:
        # The kind in the speaker's room: "the lights" where the templates take the room from context,
        # "车库的灯" where they do not (the zh-CN templates have no sentence without a room).
        targets += [(vocab.phrases["kind"].format(kind=k, area=context_area), d) for k, d in kinds]
    return targets


def _needed_covers(m: Mentions, home: Home, context_area: Optional[str], vocab: Vocabulary) -> list[tuple[str, str]]:
    """The covers of the rooms mentioned (else the speaker's) by device class, or by name for a class
    the language has no word for."""
    targets: list[tuple[str, str]] = []
    for area in m.areas or ((context_area,) if context_area else ()):
        room = home.find_area(area)
        covers = [e for e in home.entities if e.domain == "cover" and room is not None and e.area_id == room.id]
        for e in covers:
            word = vocab.cover_classes.get(e.device_class or "")
            phrase = vocab.phrases["in_area" if m.areas else "kind"]  # the speaker's room: the templates know it
            targets.append((phrase.format(kind=word, area=area) if word else e.name, "cover"))
    return list(dict.fromkeys(targets))


def _kind_words(vocab: Vocabulary) -> frozenset[str]:
    return frozenset().union(*vocab.words_of_kind.values())


def _only_targets(heard: list[str], m: Mentions, vocab: Vocabulary) -> bool:
    """True when every word said names a mentioned device, room or kind, or is a word of commands
    ("the kitchen lights please"), so a bare cue said with them may stand for the verb."""
    named = [w for n in (*m.names, *m.areas, *m.floors) for w in vocab.words(n)]
    known = _kind_words(vocab) | set(vocab.command_words) | vocab.bare_cues | {vocab.article}
    return all(w in known or any(_close(w, n) for n in named) for w in heard)


def _without_names(text: str, m: Mentions, home: Home, vocab: Vocabulary) -> str:
    """``text`` without the names said in it, each with a word for its kind said right after it: a
    device's name is no verb ("open up the front door lock" does not lock it)."""
    words, starts = vocab.words(text), vocab.clause_starts(text)
    keep = [True] * len(words)
    domain_of = home.domain_of
    for name in m.names:
        said = vocab.words(name)
        domain = domain_of.get(name, "")
        if domain not in vocab.verbs:  # no command target: a sensor called "Light" leaves "light up" whole
            continue
        kind = vocab.words_of_kind.get(domain, frozenset()) | {vocab.singular(w) for w in
                                                                vocab.words(vocab.kind_words.get(domain, ""))}
        for i in range(len(words) - len(said) + 1):
            if words[i:i + len(said)] == said:
                end = i + len(said)
                # "side door, lock it" and "side door lock it": that "lock" is the verb
                verb = end in starts or (end + 1 < len(words) and words[end + 1] in vocab.verb_markers)
                end += end < len(words) and not verb and vocab.singular(words[end]) in kind
                keep[i:end] = [False] * (end - i)
    return vocab.word_joiner.join(w for w, kept in zip(words, keep) if kept)


def _unit_said(text: str, heard: set[str], units: frozenset[str]) -> bool:
    return bool(units & heard) or any(u in text for u in units if not u.isalpha())


def _temperature_said(text: str, heard: list[str], needs: set, degrees: bool, vocab: Vocabulary) -> bool:
    """True when the words ask for a temperature (degrees, a heating word, the word for temperature, a
    need of the heating): a number alone says how much, not what, and the room's thermostat is no
    more meant by "5" than its lights are."""
    return degrees or any(vocab.kind_of.get(w) == "climate" for w in heard) \
        or any(kind == "climate" for _, kind in needs) or vocab.said(text, vocab.part_names.get("temperature", "temperature"))


#: Relative changes by kind of device: the phrase keys of a step up and a step down.
_STEPS = {"light": ("brighter", "dimmer"), "media_player": ("louder", "quieter")}
#: The phrases of relative steps: a language has all of them or none (then no step is offered).
STEP_PHRASES = frozenset(key + by for keys in _STEPS.values() for key in keys for by in ("", "_by"))


def _not_states(heard: list[str], vocab: Vocabulary) -> list[str]:
    """The words of ``heard`` but those that say how something is, one or two words after a copula: "dim" of
    "the night light in the study is dim" or "is getting dim" describes the light, it asks for no step."""
    return [w for i, w in enumerate(heard) if not any(0 <= i - gap and heard[i - gap] in vocab.copulas for gap in (1, 2))]


def _steps(lights: list[str], players: list[str], value: Optional[int], heard: list[str], steps: StepWords,
           vocab: Vocabulary, leads: frozenset[str] = frozenset()) -> list[str]:
    """A step (by ``value`` percent, said after the words ``leads``, or the language's step) for every
    light and named media player, in each direction whose words (the templates' own, `intents.steps`)
    were said. A language whose phrases or templates have no steps offers none."""
    found = []
    for kind, targets in (("light", lights), ("media_player", players)):
        marked = value is not None and steps.marked(kind, set(leads))
        for direction, key in zip(DIRECTIONS, _STEPS[kind]):
            key += "" if value is None else "_by"
            if key in vocab.phrases and steps.said(kind, direction, heard, marked):
                found += [vocab.phrases[key].format(target=t, value=value) for t in targets]
    return found


def answers(m: Mentions, home: Home, context_area: Optional[str], text: str, vocab: Vocabulary,
            question: bool = False, steps: StepWords = NO_STEPS, home_words: frozenset[str] = frozenset()) -> list[str]:
    """Every plain command over what was mentioned, and "none": the only answers the model may give.
    A question may only be answered with questions. A command's verbs are those whose words were
    said (or that an indirect request needs), each target gets only the verbs, values and colours
    its kind takes, and a colour or a number that was said must be used. ``steps``: what the
    templates say of relative steps (`intents.steps`); by default none are offered. ``home_words``:
    the templates' words of the whole home (`intents.scope`); with one of them or a word for all
    ("all lights off"), every device of a kind said is offered too."""
    heard = vocab.words(text)
    needs = vocab.needs_said(text)
    # A room's words name no kind of device ("living" sounds like "lighting").
    places = {w for place in (*m.areas, *m.floors) for w in vocab.words(place)}
    kinds_heard = [w for w in heard if w not in places or w in _kind_words(vocab)]
    whole = bool(home_words & set(heard)) or any(vocab.said(text, word) for word in vocab.all_words)
    targets = _targets(m, home, context_area, kinds_heard, {kind for _, kind in needs}, vocab, whole)
    p = vocab.phrases
    if question:  # a device by name, or a kind of device in a room ("are any lights on in the Kitchen")
        named = [(t, d) for t, d in targets if t in m.names]
        kinds = _kinds(kinds_heard, set(), vocab)
        return [p["none"], *dict.fromkeys(
            [p["is_state"].format(target=t, state=state) for t, d in named for state in vocab.states.get(d, ())]
            + [p["area_state"].format(kind=k, state=state, area=a) for a in m.areas for k, d in kinds
               for state in vocab.states.get(d, ())])]
    found = [p["none"]]
    percent = _unit_said(text, set(heard), vocab.percent_words) or vocab.fraction_said(text)
    degrees = _unit_said(text, set(heard), vocab.degree_words)
    durations = vocab.durations(text)
    if durations:  # a timer; a device with a duration is a delayed command, which this stage does not run
        if vocab.timer_asked(text) or not targets:
            parts = [p["timer"].format(value=n, unit=vocab.unit_names.get(unit, unit)) for n, unit in durations]
            if len({unit for _, unit in durations}) == len(durations) > 1:
                # "1 hour 15 minutes": one length, all of it; a part alone would drop what was said.
                rest = (f"{n}{vocab.word_joiner}{vocab.unit_names.get(unit, unit)}" for n, unit in durations[1:])
                parts = [vocab.duration_joiner.join([parts[0], *rest])]
            found += parts
        return list(dict.fromkeys(found))
    if not (m.colors or m.numbers):
        # An indirect request names its own verb: "on" or "please" beside it is no direction.
        said = vocab.verbs_said(_without_names(text, m, home, vocab), weak=not needs,
                                bare=_only_targets(heard, m, vocab))
        found += [vocab.command(verb, t, d) for t, d in targets for verb in vocab.verbs.get(d, ())
                  if verb in said or {(verb, d), (verb, "")} & needs or verb not in vocab.direction_words]
    lights = [t for t, d in targets if d == "light"]
    found += [p["color"].format(target=t, color=vocab.color_words.get(c, c)) for t in lights for c in m.colors]
    players = [t for t, d in targets if d == "media_player" and t in m.names]
    asking = _not_states(heard, vocab)  # the words that may ask for a step
    if not (m.colors or m.numbers):
        found += _steps(lights, players, None, asking, steps, vocab)
    climates = {a.name for a in home.areas if any(e.domain == "climate" and e.area_id == a.id for e in home.entities)}
    leads = vocab.number_leads(text)
    # A light asked to go off is given no level: "bedroom lamp one off" is no brightness of 1%.
    off = vocab.verbs.get("light", ())[-1:]
    dark = bool(set(off) & vocab.verbs_said(text, weak=False)) and not percent
    for n in m.numbers:
        if not degrees:
            # "by 40" is a step, "to 40" a level (the templates' words before each); unmarked, either.
            light_step, light_level = steps.number_is("light", leads.get(n, set()))
            player_step, player_level = steps.number_is("media_player", leads.get(n, set()))
            found += [p["brightness"].format(target=t, value=n) for t in lights if light_level and not dark]
            found += [p["position"].format(target=t, value=n) for t, d in targets if d == "cover"]
            loud = percent or not vocab.volume_words or vocab.volume_words & set(heard)
            if loud and player_level:
                found += [p["volume"].format(target=t, value=n) for t, d in targets if d == "media_player"]
            found += _steps(lights if light_step else [], players if loud and player_step else [], n, asking,
                            steps, vocab, frozenset(leads.get(n, ())))
        if not percent:
            found += [p["temperature"].format(target=t, value=n) for t, d in targets if d == "climate"]
            found += [p["area_temperature"].format(area=a, value=n) for a in m.areas if a in climates]
            if context_area in climates and not m.areas and _temperature_said(text, heard, needs, degrees, vocab):
                found.append(p["here_temperature"].format(value=n))
    return list(dict.fromkeys(found))


def name_not_in_home(text: str, targets: Sequence[str], home: Home, vocab: Vocabulary,
                     known_words: frozenset[str], class_nouns: frozenset[str] = frozenset()) -> Optional[str]:
    """Where a device was taken for ``text`` that it does not name (by its kind, its verb, the room),
    the words that name a device the home lacks, else None: a word said just before a word of that
    device's name or kind ("front" before "door") that no template, no phrase of the vocabulary and
    none of those devices' (or their rooms' and floors') names use. "lock the front door" in a home
    whose only lock is the Back Door names no lock of this home; guessing one would act on a device
    that was not meant. Other unknown words (the reasons of an indirect request) qualify nothing.
    ``class_nouns`` (Home Assistant's device-class words, `intents.scope.class_nouns`): one said that is
    no word of those devices' names, kinds or classes names another device ("unlock the garage door" in
    a home whose only lock is the Shed Lock), with the word said before it."""
    heard = vocab.words(text)
    chosen = [e for e in map(home.entity, targets) if e is not None]
    said = find_mentions(text, home, vocab)
    mentioned = set(said.names)
    # A room or floor said by name ("in the garage") is no device-class word.
    places = {w for place in (*said.areas, *said.floors) for w in vocab.words(place)}
    if not chosen or any(e.name in mentioned for e in chosen):
        return None
    allowed = set(known_words) | vocab.own_words
    nouns: set[str] = set()
    for entity in chosen:
        area = home.area(entity.area_id)
        floor = home.find_floor(area.floor_id) if area is not None and area.floor_id else None
        spoken = [*entity.names, *((area.name, *area.aliases) if area else ()), *((floor.name,) if floor else ())]
        allowed |= {w for name in spoken for w in vocab.words(name)}
        nouns |= {w for name in entity.names for w in vocab.words(name)} | vocab.words_of_kind.get(entity.domain, set())
        nouns |= set(vocab.words(entity.device_class or ""))
    for word, after in zip(heard, heard[1:]):
        if word not in allowed and not word.isdigit() and (after in nouns or vocab.singular(after) in nouns):
            return vocab.word_joiner.join((word, after))

    def noun(word: str) -> bool:
        return bool({word, vocab.singular(word)} & class_nouns) and word not in places

    for i, word in enumerate(heard):
        if noun(word) and not {word, vocab.singular(word)} & nouns:
            start = i - 1 if i and heard[i - 1] != vocab.article and not vocab.verbs_said(heard[i - 1]) else i
            end = i + 1
            while end < len(heard) and noun(heard[end]):  # "garage door": the whole noun
                end += 1
            return vocab.word_joiner.join(heard[start:end])
    return None
