"""Names the home does not have: a command about a device called by a name the home lacks is answered
as Home Assistant answers it, or, where a device of the home is near it in meaning, asked about.

"Switch the telly off" in a home whose TV is called Television: Home Assistant's templates, with any
words where a name goes, read it as HassTurnOff on "telly" (hassil's unmatched entities). The devices
nearest to "telly" in meaning (`intents.meaning`) are tried in its place, and the first with which the
templates read the same command is asked about ("Did you mean "switch the Television off"?"): the
intent and its direction come from the user's own words, only the name from meaning. Nothing found this
way is carried out without a yes, since meaning cannot tell another word for a device from a device the
home lacks (docs/understanding.md).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Optional

from app.core.home_view import HomeView
from devices.resolve import resolve
from devices.state import StateStore
from intents.llm import not_for_the_model
from intents.meaning import MeaningIndex
from intents.schema import ACTION_INTENTS, Decision, Recognition, Source

#: Devices nearest to the name said that are tried in its place.
TRIED = 3


def unknown_device(view: HomeView, text: str, context: dict[str, Any]) -> Optional[Decision]:
    """What nothing understood may still be: a command about a device the home lacks, answered as Home
    Assistant answers it ("Sorry, I am not aware of any device called sprinklers") and never carried out
    on another device. Only a command said with a verb of the language ("turn", "open") and no "it" for
    a name; a negated sentence or a report is no command."""
    if not_for_the_model(text, view.vocab):
        return None
    found = view.recognizer.unknown_name(text, context, ACTION_INTENTS)
    if found is None:
        return None
    intent, name = found
    vocab, named = view.vocab, view.vocab.words(name)
    said = set(vocab.words(text)) - set(named)
    verbs = {w for forms in vocab.verbs.values() for verb in forms for w in vocab.words(verb)}
    places = {vocab.joined(n) for a in view.home.areas for n in (a.name, *a.aliases)} | {
        vocab.joined(f.name) for f in view.home.floors}
    bare = vocab.joined(" ".join(w for w in named if w != vocab.article))
    if set(named) & vocab.pronouns or not said & verbs or bare in places or set(vocab.words(text)) & set(
            vocab.conjunctions):
        return None  # "it"; no verb; a room; two commands (`app.core.compound` reads those)
    return Decision(Recognition(intent, slots={"name": name}, source=Source.TEMPLATE),
                    error=f"I don't know a device called {name}", reason=("no_entity", {"entity": name}))


def named_by_meaning(view: HomeView, states: StateStore, text: str, context: dict[str, Any],
                     index: MeaningIndex, unknown: Decision) -> Optional[tuple[str, Decision]]:
    """The utterance with the name ``unknown`` found (`unknown_device`) replaced by a device's of this home
    near it in meaning, and what the templates make of it, where they read it as the same command; None
    otherwise."""
    intent, name = unknown.intent, str(unknown.recognition.slots["name"])
    span = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)", re.IGNORECASE)
    for near in index.nearest(name, TRIED):
        said = span.sub(lambda _: near.entity.name, text, count=1)
        if said == text:
            return None
        recognition = view.recognizer.recognize(said, context)
        if recognition.intent != intent:
            continue
        # Decided by the model's stage (meaning is part of it), though the templates read the words.
        decision = resolve(replace(recognition, source=Source.LLM), view.home, states, context.get("area"))
        if decision.acts and near.entity.id in decision.targets:
            return said, decision
    return None
