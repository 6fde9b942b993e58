"""A bank of example commands for this home, sampled from Home Assistant's templates.

The LLM stage shows the model examples of this home's commands, one per kind
of command, each with its plain form. They are sampled at random (seeded)
from the same sentence templates the template stage uses,
filled with this home's own names, areas and floors, and labelled with the
intent and slots that produced them, so every example is correct by
construction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Optional

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    Permutation,
    RuleReference,
    Sentence,
    TextChunk,
)
from hassil.intents import RangeSlotList, SlotList, TextSlotList, WildcardSlotList

#: Intents the LLM stage may produce: the ones Hearth can act on or answer.
LLM_INTENTS = ("HassTurnOn", "HassTurnOff", "HassLightSet", "HassGetState", "HassClimateSetTemperature",
               "HassClimateGetTemperature", "HassSetPosition", "HassMediaPause", "HassMediaUnpause",
               "HassMediaNext", "HassVacuumStart", "HassVacuumReturnToBase")

@dataclass(frozen=True)
class Example:
    """One labelled sentence."""

    text: str
    """What someone would say."""
    intent: str
    """The intent it means."""
    slots: tuple[tuple[str, Any], ...] = ()
    """Slot names and values, in template order."""


class _Unsampleable(Exception):
    """A template using a wildcard or a list this home does not fill."""


def _context_ok(context: dict[str, Any], required: dict[str, Any]) -> bool:
    for key, wanted in required.items():
        if key == "area":  # runtime context (the satellite's room), not a property of the entity
            continue
        have = context.get(key)
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if have is None or have not in allowed:
            return False
    return True


class _Sampler:
    def __init__(self, intents: Intents, slot_lists: dict[str, SlotList], rng: random.Random) -> None:
        self.intents = intents
        self.slot_lists = {**intents.slot_lists, **slot_lists}
        self.rng = rng

    def sentence(self, sentence: Sentence, rules: dict[str, Sentence], required: dict[str, Any]) -> tuple[str, list]:
        slots: list[tuple[str, Any]] = []
        text = self._expand(sentence.expression, rules, required, slots)
        return " ".join(text.split()), slots

    def _expand(self, expr: Expression, rules: dict[str, Sentence], required: dict[str, Any], slots: list) -> str:
        if isinstance(expr, TextChunk):
            return expr.text
        if isinstance(expr, Alternative):
            return self._expand(self.rng.choice(expr.items), rules, required, slots)
        if isinstance(expr, Permutation):
            items = list(expr.items)
            self.rng.shuffle(items)
            return " ".join(self._expand(i, rules, required, slots) for i in items)
        if isinstance(expr, Group):
            return "".join(self._expand(i, rules, required, slots) for i in expr.items)
        if isinstance(expr, RuleReference):
            rule = rules.get(expr.rule_name) or self.intents.expansion_rules.get(expr.rule_name)
            if rule is None:
                raise _Unsampleable(expr.rule_name)
            return self._expand(rule.expression, rules, required, slots)
        if isinstance(expr, ListReference):
            return self._list(expr, rules, required, slots)
        raise _Unsampleable(type(expr).__name__)

    def _list(self, ref: ListReference, rules: dict[str, Sentence], required: dict[str, Any], slots: list) -> str:
        slot_list = self.slot_lists.get(ref.list_name)
        if isinstance(slot_list, RangeSlotList):
            value = self.rng.randrange(slot_list.start, slot_list.stop + 1, slot_list.step or 1)
            slots.append((ref.slot_name, value))
            return str(value)
        if not isinstance(slot_list, TextSlotList) or isinstance(slot_list, WildcardSlotList):
            raise _Unsampleable(ref.list_name)
        values = [v for v in slot_list.values if _context_ok(v.context or {}, required)] if ref.list_name == "name" \
            else list(slot_list.values)
        if not values:
            raise _Unsampleable(ref.list_name)
        value = self.rng.choice(values)
        spoken = self._expand(value.text_in, rules, required, []) if not isinstance(value.text_in, str) else value.text_in
        slots.append((ref.slot_name, value.value_out if value.value_out is not None else spoken.strip()))
        return spoken


def _consistent(slots: dict[str, Any], areas_of: dict[str, set[str]]) -> bool:
    """A sample naming a device and a room must name the device's own room."""
    name, area = slots.get("name"), slots.get("area")
    if not isinstance(name, str) or not isinstance(area, str):
        return True
    return area.casefold() in areas_of.get(name.casefold(), set())


def sample_bank(intents: Intents, slot_lists: dict[str, SlotList], per_sentence: int = 2, seed: int = 7,
                areas_of: Optional[dict[str, set[str]]] = None) -> list[Example]:
    """Examples for every template of the LLM's intents, ``per_sentence`` each (the same for the same
    home: the sampling is seeded). ``areas_of`` maps a device name (case-folded) to its area names."""
    areas_of = areas_of or {}
    sampler = _Sampler(intents, slot_lists, random.Random(seed))
    bank: dict[str, Example] = {}
    for name in LLM_INTENTS:
        intent = intents.intents.get(name)
        for data in intent.data if intent else ():
            rules = {**intents.expansion_rules, **(data.expansion_rules or {})}
            required = dict(data.requires_context or {})
            for sentence in data.sentences:
                kept = 0
                for _ in range(per_sentence * 4):  # a few tries: samples that place a device in the wrong room are dropped
                    try:
                        text, slots = sampler.sentence(sentence, rules, required)
                    except _Unsampleable:
                        break
                    if not _consistent(dict(slots), areas_of):
                        continue
                    fixed = [(k, v) for k, v in (data.slots or {}).items()]
                    bank.setdefault(text, Example(text, name, tuple(fixed + slots)))
                    kept += 1
                    if kept >= per_sentence:
                        break
    return list(bank.values())
