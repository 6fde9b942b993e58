"""What can be said to this home, as a graph of words: the templates' sentences with places for their lists.

hassil builds a finite state transducer from the templates (`hassil.fst`):
every sentence a template allows is a path of words, and a list (a device's
name, a room, a number, a custom list's word) is a place written ``{slot}``,
possibly joined to the text around it ("{brightness}%"). Speech-to-text
decodes along this graph (`app.stt.grammar_search`), putting at each place one
of the list's values, so that what it writes is something the templates read.
Wildcards (a playlist by any name) are anyone's words: their sentences are
left out. Pure: a function of the templates and the home's lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from hassil.errors import HassilError
from hassil.expression import Group, ListReference, RuleReference
from hassil.fst import EPS, intents_to_fst
from hassil.intents import Intents, RangeSlotList, SlotList, TextSlotList
from hassil.sample import sample_expression

from intents.templates import TemplateRecognizer
from intents.vocabulary import Vocabulary

_LOGGER = logging.getLogger(__name__)

#: hassil's word for "anything may stand here", which the graph does not allow.
SKIP = "<skip>"
#: Most values a place offers (a range of thousands is no spoken command's).
MAX_VALUES = 2000


@dataclass(frozen=True)
class WordGraph:
    """Sentences as paths of words from ``start`` to one of ``finals``."""

    arcs: Mapping[int, tuple[tuple[str, int], ...]]
    """From each state: (word, next state); the word is "" for none, or has ``{slot}`` places in it."""
    start: int
    """Where every sentence begins."""
    finals: frozenset[int]
    """Where a sentence may end."""
    values: Mapping[str, Mapping[str, str]]
    """For each place, how each of its values may be said, and which value that is ("fifteen" -> "15")."""

    def __bool__(self) -> bool:
        return bool(self.arcs)


def word_graph(recognizer: TemplateRecognizer, intent_names: Iterable[str], vocab: Vocabulary) -> Optional[WordGraph]:
    """The graph of the sentences of ``intent_names`` over the recognizer's home; None without any."""
    names = [n for n in intent_names if n in recognizer.intents.intents]
    if not names:
        return None
    lists: dict[str, SlotList] = {**recognizer.intents.slot_lists, **recognizer.slot_lists}
    try:  # the home's lists only: hassil looks for any other in the sentence's own lists, then the language's
        fst = intents_to_fst(recognizer.intents, dict(recognizer.slot_lists), names).remove_spaces()
    except (HassilError, ValueError) as err:  # a template hassil cannot turn into a graph: no graph
        _LOGGER.warning("No grammar for speech-to-text: %s", err)
        return None
    arcs = {state: tuple((("" if arc.in_label == EPS else arc.in_label), arc.to_state) for arc in found
                         if arc.in_label != SKIP)
            for state, found in fst.arcs.items()}
    return WordGraph(arcs, fst.start, frozenset(fst.final_states),
                     _values(_slot_lists(recognizer.intents, names, lists), recognizer.language, vocab))


def _slot_lists(intents: Intents, names: list[str], lists: Mapping[str, SlotList]) -> dict[str, list[SlotList]]:
    """Every list each slot name is filled from (hassil's graph names a place by its slot)."""
    found: dict[str, list[SlotList]] = {}

    def walk(expression: Any, data: Any, depth: int = 0) -> None:
        if isinstance(expression, ListReference):
            slot_list = data.slot_lists.get(expression.list_name) or lists.get(expression.list_name)
            if slot_list is not None and slot_list not in found.setdefault(expression.slot_name, []):
                found[expression.slot_name].append(slot_list)
        elif isinstance(expression, Group):
            for item in expression.items:
                walk(item, data, depth)
        elif isinstance(expression, RuleReference) and depth < 20:
            rule = data.expansion_rules.get(expression.rule_name) or intents.expansion_rules.get(expression.rule_name)
            if rule is not None:
                walk(rule.expression, data, depth + 1)

    for name in names:
        for data in intents.intents[name].data:
            for sentence in data.sentences:
                walk(sentence.expression, data)
    for slot in ("name", "area", "floor"):  # the home's lists, whatever the templates call them
        if slot in lists and slot not in found:
            found[slot] = [lists[slot]]
    return found


def _values(slot_lists: Mapping[str, list[SlotList]], language: str, vocab: Vocabulary) -> dict[str, dict[str, str]]:
    """How each place's values are said: a text list's every wording, a range's numbers in digits and words."""
    values: dict[str, dict[str, str]] = {}
    for slot, found in slot_lists.items():
        said: dict[str, str] = {}
        for slot_list in found:
            if isinstance(slot_list, RangeSlotList):
                for n in range(slot_list.start, slot_list.stop + 1, slot_list.step)[:MAX_VALUES]:
                    said.setdefault(str(n), str(n))
                words = {w: str(n) for w, n in vocab.number_words.items()
                         if slot_list.start <= n <= slot_list.stop and (n - slot_list.start) % slot_list.step == 0}
                said.update({w: n for w, n in words.items() if w not in said})
            elif isinstance(slot_list, TextSlotList):
                for value in slot_list.values[:MAX_VALUES]:
                    try:
                        texts = sample_expression(value.text_in, {}, {}, language)
                    except HassilError:
                        continue
                    for text in texts:
                        said.setdefault(" ".join(text.lower().split()), str(value.value_out))
        if said:
            values[slot] = said
    return values
