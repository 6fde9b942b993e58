"""Which words ask for every device of a kind in the home, in the templates' own words.

Home Assistant's templates turn every light of the home on or off with sentences that fix a domain
and name no room, floor or device ("turn off the lights in the whole house", "... everywhere"). The
words those sentences may add that no sentence naming a room uses ("house", "everywhere", "entire") are
what makes a request for a kind whole-home in that language: no word list per language, and a
language whose templates have no such sentences gets none. "lights out in the house" may then be
offered as all the lights; "turn on the lights downstairs" (a floor this home lacks) is not.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

from hassil.expression import Group, ListReference, RuleReference, Sequence

from devices.home_assistant import SWITCHING
from intents.steps import runs

#: Lists that place a sentence in a room, on a floor or at a device.
_PLACES = frozenset({"area", "floor", "name"})


def _lists(expression: Any, rules: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> Iterator[str]:
    """The slot names of the lists a template refers to, expansion rules followed."""
    if isinstance(expression, ListReference):
        yield expression.slot_name
    elif isinstance(expression, (Sequence, Group)):
        for item in expression.items:
            yield from _lists(item, rules, seen)
    elif isinstance(expression, RuleReference) and expression.rule_name in rules and expression.rule_name not in seen:
        yield from _lists(rules[expression.rule_name].expression, rules, seen | {expression.rule_name})


def home_words(intents: Any, words: Callable[[str], list[str]]) -> frozenset[str]:
    """The words whole-home sentences of hassil's parsed ``intents`` may add ("[everywhere]"; not "get"
    of "get all lights on", which says no scope) and no sentence naming a room says; ``words``: the tokenizer."""
    whole: set[str] = set()
    placed: set[str] = set()
    for name, intent in intents.intents.items():
        for data in intent.data:
            rules = {**intents.expansion_rules, **(data.expansion_rules or {})}
            in_room = "area" in (data.requires_context or {})
            for sentence in data.sentences:
                used = set(_lists(sentence.expression, rules))
                found = list(runs(sentence.expression, rules, frozenset()))
                if name in SWITCHING and "domain" in (data.slots or {}) and not (used & _PLACES or in_room):
                    # What a whole-home sentence may add ("[everywhere]"), not what it needs ("get").
                    whole |= {w for text, optional in found if optional for w in words(text)}
                elif in_room or used & {"area", "floor"}:
                    placed |= {w for text, _ in found for w in words(text)}
    return frozenset(whole - placed)


def class_nouns(slot_lists: Mapping[str, Any], words: Callable[[str], list[str]]) -> frozenset[str]:
    """The words of Home Assistant's device-class lists (``cover_classes``: "door", "garage door",
    "gate", "window", ...): nouns that name a kind of device, so a sentence that says one names a device."""
    found: set[str] = set()
    for name, slot_list in slot_lists.items():
        if not name.endswith("_classes"):
            continue
        for value in getattr(slot_list, "values", ()):
            # An optional part is an ending ("door[s]"), not a noun of its own.
            found |= {w for text, optional in runs(value.text_in, {}, frozenset()) if not optional for w in words(text)}
    return frozenset(found)
