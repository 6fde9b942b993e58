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
from devices.decision import Decision, Recognition, Source
from devices.home_assistant import ACTION_INTENTS
from devices.registry import Entity
from devices.resolve import resolve
from devices.state import StateStore
from intents.llm import LlmResult, not_for_the_model
from intents.meaning import MeaningIndex
from intents.vocabulary import Vocabulary

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
            vocab.conjunctions) or named[:1] and named[0] in vocab.cue_words:
        return None  # "it"; no verb; a room; two commands (`app.core.compound` reads those); "turn up the heat"
    if any(_in_part(named, name, vocab) for e in view.home.entities for name in e.names):
        return None  # a name said in part ("the garage door" of the Garage Side Door) is no name the home lacks
    return Decision(Recognition(intent, slots={"name": name}, source=Source.TEMPLATE),
                    error=f"I don't know a device called {name}", reason=("no_entity", {"entity": name}))


def _in_part(said: list[str], name: str, vocab: Vocabulary) -> bool:
    """True when the words ``said`` are some of ``name``'s, its head (last word) among them: "garage door"
    of the Garage Side Door; "shed" (of the Shed Lock) says another thing of the shed."""
    words = {vocab.singular(w) for w in said if w != vocab.article}
    own = [vocab.singular(w) for w in vocab.words(name)]
    return bool(own) and own[-1] in words and words <= set(own)


def another_of_its_kind(said: str, entity: Entity, vocab: Vocabulary) -> bool:
    """True when the name said shares a word with one of the device's names and differs from it in a word
    that qualifies ("front door" for the Back Door, "reading lamp" for the Bedroom Lamp, "bedroom tv" for
    the TV): another device of the same kind, never to be replaced by this one. Meaning cannot tell that
    from another word for the same device: "front"/"back" are as near as "pot"/"machine". Another head
    word with the same qualifiers ("coffee pot" for the Coffee Machine) and no shared word at all ("telly"
    for the Television) are not. The head is the last word, as in the compounds of English, Chinese and
    German (whose compounds are one word)."""
    words = [vocab.singular(w) for w in vocab.words(said) if w != vocab.article]
    if set(words) <= {vocab.singular(w) for name in entity.names for w in vocab.words(name)}:
        return False  # every word is one of its names' ("coffee machine": the Coffee Maker, the espresso machine)
    for name in entity.names:
        own = {vocab.singular(w) for w in vocab.words(name)}
        if words and set(words) & own and not (words[-1] not in own and set(words[:-1]) <= own):
            return True
    return False


def says_another_of_its_kind(text: str, entity: Entity, vocab: Vocabulary) -> bool:
    """True when ``text`` says the head word of one of the device's names, not the whole name, with a word
    before it that qualifies it and is none of the name's ("lock the cellar door" for the Sliding Doors): a
    device of that kind the home may lack, not this one. The name said in part ("the garage door" for the
    Garage Side Door) or the head alone ("the door") is this one's."""
    said = [vocab.singular(w) for w in vocab.words(text)]
    for name in entity.names:
        own = [vocab.singular(w) for w in vocab.words(name)]
        if not own or set(own) <= set(said):
            continue
        if any(word == own[-1] and i and said[i - 1] not in {*own, vocab.article, *vocab.cue_words}
               for i, word in enumerate(said)):
            return True
    return False


def asked_by_meaning(view: HomeView, states: StateStore, text: str, context: dict[str, Any],
                     index: Optional[MeaningIndex], result: LlmResult,
                     decision: Decision) -> tuple[Optional[str], Decision]:
    """After the LLM stage read ``text`` (``result``, and ``decision`` from it): what to ask "did you
    mean" about (None: nothing), and the decision. A command found by meaning only is asked about where it
    stands and leaves no trace where it does not; a command about a name the home lacks ("turn on the
    sprinklers") may only be asked about with a device near that name in its place, never with the
    model's guess (measured: "close Main Valve" for the sprinklers), else it is Home Assistant's answer."""
    if index is None:
        return None, decision
    meant = None
    if result.meant:
        entity = view.home.entity(decision.targets[0]) if len(decision.targets) == 1 else None
        if decision.acts and entity is not None and not says_another_of_its_kind(text, entity, view.vocab):
            meant = result.answer
        else:
            decision = resolve(Recognition(None, source=Source.LLM), view.home, states, context.get("area"))
    if meant is None and decision.intent is not None:
        return None, decision  # read (an action, a timer, a question), or refused with its reason
    unknown = unknown_device(view, text, context)
    if unknown is None:
        return meant, decision
    named = named_by_meaning(view, states, text, context, index, unknown)
    return named if named is not None else (None, unknown)


def named_by_meaning(view: HomeView, states: StateStore, text: str, context: dict[str, Any],
                     index: MeaningIndex, unknown: Decision) -> Optional[tuple[str, Decision]]:
    """The utterance with the name ``unknown`` found (`unknown_device`) replaced by a device's of this home
    near it in meaning, and what the templates make of it, where they read it as the same command; None
    otherwise."""
    intent, name = unknown.intent, str(unknown.recognition.slots["name"])
    span = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)", re.IGNORECASE)
    for near in index.nearest(name, TRIED):
        if another_of_its_kind(name, near.entity, view.vocab):
            continue
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
