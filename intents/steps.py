"""Which way a relative change goes, in the templates' own words.

Home Assistant's templates (and Hearth's, in the same format) say a step up and a step down in
sentence blocks whose fixed slot is ``up`` or ``down`` (``volume_step``, ``brightness_step``). The
words that only one direction's sentences use ("dim", "lower", "decrease"; "brighten", "raise") are
that direction's cues, in whatever language the templates are written: no word list per language, and
a user's own step sentences add their words. A cue is a word the templates say on its own ("dim"),
not a word of a phrase ("less" of "less bright": "less dark" is no step down) nor one they may leave
out ("up" of "brighten [up]": "bedroom lamp up" may be "off" misheard).

A number is a step or a level by the word the templates say before it: "dim <name> by 40%" is a step,
"set <name> brightness to 40%" a level, so "lower the garage light by 40 percent" is offered only as a
step and "raise the lamp to 80 percent" only as a level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from hassil.expression import Group, RuleReference, Sequence, TextChunk

#: Home Assistant's step slots and level slots, by the kind of device they change.
STEP_SLOTS = {"light": "brightness_step", "media_player": "volume_step"}
LEVEL_SLOTS = {"light": "brightness", "media_player": "volume_level"}
DIRECTIONS = ("up", "down")
#: A word, then (past brackets and bars) a list reference "{list}" or "{list:slot}" in a template's text.
_BEFORE_SLOT = re.compile(r"([^\W\d_]+)[\s\[\]()|]*\{(\w+)(?::(\w+))?\}")
_RULE = re.compile(r"<(\w+)>")


@dataclass(frozen=True)
class StepWords:
    """What the templates of a language say about relative steps."""

    directions: Mapping[str, Mapping[str, frozenset[str]]]
    """Step slot -> direction ("up", "down") -> the words only that direction's sentences use, said on
    their own."""
    before: Mapping[str, frozenset[str]]
    """Step or level slot -> the words said just before its number only there ("by" for a step, "to"
    for a level)."""
    weak: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    """As ``directions``, the words the templates may leave out ("up" of "brighten [up]"): they tell the
    direction only of a number said as a step ("down by 50 percent")."""
    phrases: Mapping[str, Mapping[str, frozenset[tuple[str, ...]]]] = field(default_factory=dict)
    """As ``directions``, the phrases the templates say as one piece in only one direction's sentences
    ("turn up", "less bright"), found only when said whole: "less dark" is no step down."""

    def cues(self, kind: str, direction: str, marked: bool = False) -> frozenset[str]:
        """The words of a step of ``kind`` (a domain) in ``direction``; ``marked``: for a number said as
        a step."""
        slot = STEP_SLOTS.get(kind, "")
        strong = self.directions.get(slot, {}).get(direction, frozenset())
        return strong | self.weak.get(slot, {}).get(direction, frozenset()) if marked else strong

    def said(self, kind: str, direction: str, heard: list[str], marked: bool = False) -> bool:
        """True when ``heard`` (the words said) says a step of ``kind`` in ``direction``: one of its words,
        or one of its phrases whole."""
        if self.cues(kind, direction, marked) & set(heard):
            return True
        phrases = self.phrases.get(STEP_SLOTS.get(kind, ""), {}).get(direction, frozenset())
        return any(tuple(heard[i:i + len(p)]) == p for p in phrases for i in range(len(heard) - len(p) + 1))

    def number_is(self, kind: str, leads: set[str]) -> tuple[bool, bool]:
        """(may be a step, may be a level) for a number of ``kind`` said after the words ``leads``."""
        step = self.marked(kind, leads)
        level = bool(leads & self.before.get(LEVEL_SLOTS.get(kind, ""), frozenset()))
        return step or not level, level or not step

    def marked(self, kind: str, leads: set[str]) -> bool:
        """True when a number of ``kind`` said after ``leads`` is said as a step ("by 40")."""
        return bool(leads & self.before.get(STEP_SLOTS.get(kind, ""), frozenset()))


NO_STEPS = StepWords({}, {})


def runs(expression: Any, rules: Mapping[str, Any], seen: frozenset[str],
          optional: bool = False) -> Iterator[tuple[str, bool]]:
    """Every run of literal text in a template (text said without a choice between its words: "less
    bright"), expansion rules followed, and whether it may be left out ("[up]" of "brighten [up]"); a
    list's values are names, not cues, and are left out."""
    if isinstance(expression, TextChunk):
        yield expression.text, optional
    elif isinstance(expression, Sequence):
        run = ""
        for item in expression.items:
            if isinstance(item, TextChunk):
                run += item.text
                continue
            if run:
                yield run, optional
            run = ""
            yield from runs(item, rules, seen, optional)
        if run:
            yield run, optional
    elif isinstance(expression, Group):
        inner = optional or bool(getattr(expression, "is_optional", False))
        for item in expression.items:
            yield from runs(item, rules, seen, inner)
    elif isinstance(expression, RuleReference) and expression.rule_name in rules \
            and expression.rule_name not in seen:
        yield from runs(rules[expression.rule_name].expression, rules, seen | {expression.rule_name}, optional)


def step_words(intents: Any, words: Callable[[str], list[str]]) -> StepWords:
    """What hassil's parsed ``intents`` say about steps; ``words`` is the language's tokenizer."""
    strong, weak, phrases = _directions(intents, words)
    return StepWords(strong, _before(intents, words), weak, phrases)


def _expanded(text: str, rules: Mapping[str, Any], depth: int = 4) -> str:
    """A template's text with its expansion rules written out (``depth`` levels)."""
    for _ in range(depth):
        text = _RULE.sub(lambda m: f"({rules[m.group(1)].text})" if m.group(1) in rules else m.group(0), text)
    return text


def _before(intents: Any, words: Callable[[str], list[str]]) -> dict[str, frozenset[str]]:
    """For each step and level slot, the words said just before its number there and never before the
    other's ("by" of "<name> by {brightness_step}", "to" of "brightness to {brightness}")."""
    said: dict[str, set[str]] = {slot: set() for slot in (*STEP_SLOTS.values(), *LEVEL_SLOTS.values())}
    for intent in intents.intents.values():
        for data in intent.data:
            rules = {**intents.expansion_rules, **(data.expansion_rules or {})}  # a block may have its own
            for sentence in data.sentences:
                for match in _BEFORE_SLOT.finditer(_expanded(sentence.text or "", rules)):
                    slot = match.group(3) or match.group(2)
                    if slot in said:
                        said[slot].update(words(match.group(1))[-1:])
    pairs = [(STEP_SLOTS[k], LEVEL_SLOTS[k]) for k in STEP_SLOTS]
    return {**{step: frozenset(said[step] - said[level]) for step, level in pairs},
            **{level: frozenset(said[level] - said[step]) for step, level in pairs}}


def _directions(intents: Any, words: Callable[[str], list[str]]) -> tuple[dict, dict, dict]:
    """The cues of each direction of each step slot: (words said on their own, words that may be left out,
    phrases said as one piece)."""
    alone: dict[bool, dict[str, dict[str, set[str]]]] = {False: {}, True: {}}  # optional -> slot -> direction
    every: dict[str, dict[str, set[str]]] = {}  # slot -> direction -> every word
    pieces: dict[str, dict[str, set[tuple[str, ...]]]] = {}  # slot -> direction -> every run's words
    for intent in intents.intents.values():
        for data in intent.data:
            rules = {**intents.expansion_rules, **(data.expansion_rules or {})}
            for slot, value in (data.slots or {}).items():
                if slot not in STEP_SLOTS.values() or value not in DIRECTIONS:
                    continue
                for sentence in data.sentences:
                    for text, optional in runs(sentence.expression, rules, frozenset()):
                        found = words(text)
                        every.setdefault(slot, {d: set() for d in DIRECTIONS})[value].update(found)
                        if found:
                            pieces.setdefault(slot, {d: set() for d in DIRECTIONS})[value].add(tuple(found))
                        if len(found) == 1:
                            alone[optional].setdefault(slot, {d: set() for d in DIRECTIONS})[value].update(found)

    def only(optional: bool) -> dict[str, dict[str, frozenset[str]]]:
        return {slot: {d: frozenset(alone[optional].get(slot, {}).get(d, set()) - every[slot][other])
                       for d, other in zip(DIRECTIONS, reversed(DIRECTIONS))} for slot in every}

    def inside(phrase: tuple[str, ...], runs: set[tuple[str, ...]]) -> bool:
        return any(run[i:i + len(phrase)] == phrase for run in runs for i in range(len(run) - len(phrase) + 1))

    strong = only(False)
    weak = {slot: {d: cues - strong[slot][d] for d, cues in by.items()} for slot, by in only(True).items()}
    phrases = {slot: {d: frozenset(p for p in by[d] if len(p) > 1 and not inside(p, by[other]))
                      for d, other in zip(DIRECTIONS, reversed(DIRECTIONS))} for slot, by in pieces.items()}
    return strong, weak, phrases
