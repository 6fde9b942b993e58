"""A list intent within one utterance: the item added to or checked off the list kept on the device
(`devices.lists`), or refused in Hearth's words. Without a store (one-shot commands) a list intent is
refused rather than answered "Added milk" with nothing kept."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from devices.decision import Decision
from devices.lists import SHOPPING_LIST, ListError, ListStore
from devices.registry import Home, normalize_name
from intents.vocabulary import Vocabulary


def list_id(decision: Decision, home: Home) -> Optional[str]:
    """The list an intent is about: the shopping list, or the to-do entity named."""
    if decision.intent in ("HassShoppingListAddItem", "HassShoppingListCompleteItem"):
        return SHOPPING_LIST
    said = normalize_name(str(decision.recognition.slots.get("name", "")))
    return next((e.id for e in home.entities if e.domain == "todo"
                 and any(normalize_name(n) == said for n in e.names)), None)


def _refused(decision: Decision, key: str, vocab: Vocabulary, item: str) -> Decision:
    return replace(decision, error=vocab.replies[key].format(item=item), reason=(key, {}))


def run_list_intent(lists: Optional[ListStore], decision: Decision, home: Home, vocab: Vocabulary,
                    dry_run: bool) -> Decision:
    """``decision`` carried out on ``lists`` (unchanged), or with the error that stopped it."""
    item = " ".join(str(decision.recognition.slots.get("item", "")).split())
    name = list_id(decision, home)
    if lists is None:
        return _refused(decision, "no_list_support", vocab, item)
    if name is None or not item:
        return _refused(decision, "not_understood", vocab, item)
    adding = decision.intent in ("HassShoppingListAddItem", "HassListAddItem")
    try:
        if adding and not dry_run:
            lists.add(name, item)
        elif not adding and not lists.is_open(name, item):
            raise ListError("not_on_list")
        elif not adding and not dry_run:
            lists.complete(name, item)
    except ListError as err:
        return _refused(decision, err.key, vocab, item)
    return decision
