"""Spoken corrections: "no, the hallway lamp" after a wrong or refused answer.

A correction opens with one of the language's correction cues ("no", "I
meant") and says either a whole command ("I meant turn on the hallway lamp")
or only what was wrong in the last one: another device ("no, the living room
lamp") or another number ("no, 60 percent"), which takes the last command's
place. A bare "no" (or "no, don't") only puts back what the last command
switched. Putting back is limited to switching on/off and opening/closing,
whose earlier state is known, and never does anything sensitive: it may
not unlock a door the wrong command locked.

When the words corrected were not read by the templates, they are taught the
corrected command (:mod:`intents.taught`), so they mean it from the next
utterance on; nothing leaves the device. Negated words, questions and
statements are never taught: "don't turn on the light" must not come to
mean anything.

Pure functions over the last :class:`Turn` and the vocabulary, and
:class:`Corrections`, which keeps the last turn per site; the assistant
carries out what they return.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Optional

from app.core.understanding import Understanding
from devices.decision import Decision, Recognition
from devices.home_assistant import QUERY_INTENTS
from devices.registry import Home
from intents.canonical import render
from intents.vocabulary import Vocabulary

#: Slots that say which device a command is about.
_TARGET_SLOTS = ("name", "area", "floor")
#: Slots of a number a correction may replace ("no, 60 percent").
_NUMBER_SLOTS = ("brightness", "position", "temperature", "volume_level")
#: States a command switching a device leaves, by intent; the opposite is what putting back does.
_SWITCHED = {"HassTurnOn": ("on", "open"), "HassTurnOff": ("off", "closed")}


@dataclass(frozen=True)
class Turn:
    """One utterance at a site, as a correction may take it back."""

    text: str
    """The words a lesson would be about: what was said (the transcript chosen for speech), or, for a
    correction, the words it corrected."""
    decision: Decision
    """What was understood and done (intent None: refused)."""
    before: tuple[tuple[str, str], ...]
    """(entity id, state) of its targets before it acted: what putting it back restores."""
    at: float
    """When it was decided (monotonic clock)."""
    correction: bool = False
    """Whether it was itself a correction (then ``text`` is the words it corrected)."""
    learnt: bool = False
    """Whether it taught ``text`` its command: a "no" right after it takes the lesson back."""


def correction_said(text: str, vocab: Vocabulary) -> Optional[str]:
    """What follows a correction cue that opens ``text`` ("" for a bare "no"), or None when it opens with none."""
    words = vocab.words(text)
    for cue in sorted(vocab.correction_cues, key=lambda c: -len(vocab.words(c))):
        said = vocab.words(cue)
        if said and words[:len(said)] == said:
            return vocab.word_joiner.join(words[len(said):])
    return None


def _slots_of(decision: Decision, home: Home) -> dict:
    """The decision's slots as a plain command needs them: the kind of its first target (its verb) and
    whole numbers written whole ("100%", not "100.0%")."""
    slots = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in decision.recognition.slots.items()}
    first = home.entity(decision.targets[0]) if decision.targets else None
    if first is not None:  # the verb of the kind acted on: "close", not "turn off", for a curtain
        slots.setdefault("domain", first.domain)
    return slots


def retargeted(rest: str, turn: Turn, home: Home, vocab: Vocabulary) -> Optional[str]:
    """The last command with ``rest`` in its place: a number for its number, else a device for its target."""
    recognition = turn.decision.recognition
    slots = _slots_of(turn.decision, home)
    numbers = vocab.numbers(rest)
    number_slot = next((s for s in _NUMBER_SLOTS if s in slots), None)
    if len(numbers) == 1 and number_slot is not None:
        slots[number_slot] = numbers.pop()
        return render(recognition.intent, slots, vocab)
    words = vocab.words(rest)
    if words and words[0] == vocab.article:
        words = words[1:]
    if not words or recognition.intent is None:
        return None
    targetless = {k: v for k, v in slots.items() if k not in _TARGET_SLOTS}
    return render(recognition.intent, {**targetless, "name": vocab.word_joiner.join(words)}, vocab)


def put_back(turn: Turn, home: Home, vocab: Vocabulary, keep: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Plain commands undoing what ``turn`` switched, but on the devices in ``keep`` (which the
    correction acts on anyway)."""
    decision = turn.decision
    left = _SWITCHED.get(decision.intent or "")
    if left is None or not decision.acts:
        return ()
    opposite = "HassTurnOff" if decision.intent == "HassTurnOn" else "HassTurnOn"
    commands = []
    for entity_id, state in turn.before:
        entity = home.entity(entity_id)
        if entity is None or entity_id in keep or state in left:
            continue  # already as the command left it: nothing changed there
        command = render(opposite, {"name": entity.name, "domain": entity.domain}, vocab)
        if command is not None:
            commands.append(command)
    return tuple(commands)


def learnable(text: str, vocab: Vocabulary, questions: bool = False) -> bool:
    """True when words may be taught a command: no answer to a question ("yes"), nothing negated, no
    question (unless ``questions``: the command taught is one too), no statement, no "it" (which stands
    for something else each time)."""
    return vocab.answer(text) is None and correction_said(text, vocab) is None and not (
        vocab.negated(text) or (vocab.is_question(text) and not questions) or vocab.is_statement(text)
        or set(vocab.words(text)) & vocab.pronouns)


class Corrections:
    """The last turn at each site, and what a correction of it means."""

    def __init__(self, vocab: Vocabulary, seconds: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.vocab = vocab
        self.seconds = seconds
        self._clock = clock
        self._last: dict[str, Turn] = {}

    def remember(self, site: str, understood: Understanding, before: tuple[tuple[str, str], ...],
                 learnt: bool = False) -> None:
        """Keep what ``site`` just said and what it led to (and whether it taught a lesson), for a correction."""
        correction = understood.corrects is not None
        text = understood.corrects if correction else understood.text
        self._last[site] = Turn(text, understood.decision, before, self._clock(), correction, learnt)

    def confirmed(self, site: str) -> Optional[str]:
        """The words a correction corrected, when that correction is the last turn at ``site`` (a question
        held it for a "yes": the yes carries it out and may teach them)."""
        turn = self.last(site)
        return turn.text if turn is not None and turn.correction else None

    def last(self, site: str) -> Optional[Turn]:
        """The turn a correction at ``site`` would correct, if recent enough."""
        turn = self._last.get(site)
        return turn if turn is not None and self._clock() - turn.at <= self.seconds else None

    def correct(self, text: str, site: str, understand: Callable[[str], Understanding],
                home: Home) -> Optional[Understanding]:
        """``text`` understood as a correction of the last turn at ``site``, with what to put back
        first and the words it corrects; None when it is no correction."""
        rest = correction_said(text, self.vocab)
        turn = self.last(site) if rest is not None else None
        if rest is None or turn is None:
            return None
        if not self.vocab.words(rest) or self.vocab.negated(rest):
            # "no", "no, don't": put back what the last command did, and nothing more
            return Understanding(text, Decision(Recognition(None)), undo=put_back(turn, home, self.vocab),
                                 corrects=turn.text)
        understood = None
        if turn.decision.intent is not None and not self.vocab.verbs_said(rest):
            command = retargeted(rest, turn, home, self.vocab)  # only what was wrong: "no, the bedroom lamp"
            understood = understand(command) if command is not None else None
        if understood is None or understood.decision.intent is None and understood.choice is None:
            understood = understand(rest)  # a whole command: "I meant turn on the hallway lamp"
        if understood.choice is not None:
            return replace(understood, text=text)  # which one? is asked; the answer is no correction
        if understood.decision.intent is None:
            return None
        keep = understood.decision.targets  # what the correction acts on is not put back first
        return replace(understood, text=text, undo=put_back(turn, home, self.vocab, keep), corrects=turn.text)


def lesson(words: Optional[str], decision: Decision, home: Home, vocab: Vocabulary,
           templates_read: Callable[[str], bool], read: Callable[[str], Decision]) -> Optional[str]:
    """The plain command to teach ``words`` (the words a correction corrected) for ``decision`` (what the
    correction did), or None when nothing is to be learnt: the words may not be taught (a question only
    a question), the templates alone read them (``templates_read``; a lesson is only asked after they
    find nothing), or no plain command reads back (``read``) as the same action."""
    if not words or decision.intent is None or decision.error is not None:
        return None
    asked = decision.intent in QUERY_INTENTS  # words asking a question may be taught only a question
    if not learnable(words, vocab, questions=asked) or templates_read(words):
        return None
    command = render(decision.intent, _slots_of(decision, home), vocab)
    return command if command is not None and read(command).action == decision.action else None
