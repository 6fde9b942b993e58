"""Understanding: typed words or speech hypotheses in, an :class:`Understanding` out.

Home Assistant's templates answer first; the LLM stage only when they find
nothing (``intents.stage``). For speech, the first hypothesis the templates
act on wins, else a repaired one the audio supports (`app.stt.rescore`), else
the LLM stage's reading of the most likely transcripts. Nothing here acts or
holds state: each call reads one :class:`HomeView` and the device states.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Optional

from app.core.by_kind import read_by_kind
from app.core.clarify import Choice, partial_name, room_devices
from app.core.failure import Failure, InputError
from app.core.heard import in_grammar, read_alike, repairs
from app.core.home_view import HomeView
from app.core.settings import IntentSettings
from app.core.unknown_names import asked_by_meaning
from app.stt.rescore import (
    Candidate,
    RescoreSettings,
    Scored,
    TooClose,
    choose,
    doubtful_hearing,
    effect,
)
from devices.decision import Decision, Recognition, Source
from devices.home_assistant import QUERY_INTENTS
from devices.resolve import resolve
from devices.state import StateStore
from intents.address import without_address
from intents.canonical import name_not_in_home
from intents.grammar_repair import Repairers
from intents.llm import LlmRecognizer, LlmResult, not_for_the_model, weak_only
from intents.taught import TaughtPhrases, TeachError
from intents.typos import mend

_LOGGER = logging.getLogger(__name__)

#: Gives the LLM stage when it is wanted (loading it on first use), or None.
LlmSource = Callable[[], Optional[LlmRecognizer]]


def _answers(decision: Decision) -> bool:
    """True when ``decision`` asks about the home (a state, a temperature): a question misheard ("是外温度"
    for 室外温度) is repaired too, and its answer changes nothing."""
    return decision.error is None and decision.intent in QUERY_INTENTS


def _does(view: HomeView, decision: Decision) -> bool:
    """True when ``decision`` would do something: act on a device, start or change a timer, or run one of the
    user's own intents (which have no device; their numbers and words are checked against the audio the same
    way, and a misheard "计时器" is repaired as a misheard name is)."""
    return decision.acts or decision.timer or (decision.error is None and decision.intent in view.recognizer.custom)




@dataclass(frozen=True)
class Understanding:
    """What was understood from one utterance, and how."""

    text: str
    """The words understood (typed, or the transcript chosen)."""
    decision: Decision
    """The recognition applied to the home: intent, targets, data, or why not."""
    llm: Optional[LlmResult] = None
    """The LLM stage's answer and its time in the model, when it ran."""
    choice: Optional[Choice] = None
    """Several devices fit a name said in part: Hearth asks which before anything is done."""
    undo: tuple[str, ...] = ()
    """A correction's plain commands that put back what the command it corrects switched, done first."""
    corrects: Optional[str] = None
    """For a correction, the words it corrects: taught its command when the templates alone do not read them."""
    doubted: bool = False
    """The audio fits another reading nearly as well ("unlock" heard as "lock"), or the command was found
    by meaning only: Hearth asks, and acts only on a yes."""
    meant: Optional[str] = None
    """The plain command found by meaning only ("turn on Coffee Machine" for "make me a coffee"): Hearth
    asks whether it is what was meant, and a yes carries it out and teaches the words."""

    @property
    def failure(self) -> Optional[Failure]:
        """Why this cannot be carried out as asked, or None."""
        if self.decision.intent is None:
            return Failure.NOT_HEARD if not self.text else Failure.NOT_UNDERSTOOD
        return Failure.NOT_POSSIBLE if self.decision.error else None


def _named_in_home(view: HomeView, text: str, decision: Decision) -> Decision:
    """The model's decision, unless ``text`` names a device this home lacks: then Home Assistant's own
    answer for a name it does not know, and nothing done (never another device in its place)."""
    if not decision.acts:
        return decision
    missing = name_not_in_home(text, decision.targets, view.home, view.vocab, view.known_words, view.class_nouns)
    if missing is None:
        return decision
    _LOGGER.info("LLM answer not acted on: %r may name a device the home lacks", missing)
    return Decision(decision.recognition, error=f"I don't know a device called {missing}",
                    reason=("no_entity", {"entity": missing}))


def _unaddressed(view: HomeView, states: StateStore, text: str, context: dict[str, Any],
                 stage: str) -> tuple[str, Recognition]:
    """``text`` without an address before it ("hey hearth, ...") and the templates' reading of the rest,
    where they read one the home can carry out (an unknown verb is no address: "roll the shade ..."); else
    the text (without its address only if what follows is a question: "ok hearth is the lamp on")."""
    cuts = list(without_address(text, lambda word: _addressing(view, word)))
    for rest in cuts if stage != "llm" else ():
        read = view.recognizer.recognize(rest, context)
        if read.intent is not None and resolve(read, view.home, states, context.get("area")).error is None:
            return rest, read
    return (cuts[-1] if cuts and view.vocab.is_question(cuts[-1]) else text), Recognition(None)


def _addressing(view: HomeView, word: str) -> bool:
    """True for a word that may open an address to the assistant: unknown to the home, or a yes ("ok")."""
    words = view.vocab.words(word)
    return bool(words) and all(w in view.vocab.yes or bool(view.unknown_words(w)) for w in words)


def _echoes_a_name(view: HomeView, text: str) -> bool:
    """True when a transcript is nothing but a name the speech-to-text prompt lists, or a part of a
    device's name: Whisper writes its prompt back for audio it cannot make out ("派对模式," for
    "把后门锁好") and makes words of noise ("stealth" for tones). A bare name heard is not acted on;
    said with a verb, it is."""
    vocab = view.vocab
    said = " ".join(w for w in vocab.words(text) if w != vocab.article)  # "the stealth" names as "stealth"
    if not said:
        return False
    return vocab.joined(text) in view.primed_names or said in view.primed_names or any(
        said != name and f" {said} " in f" {name} " for name in view.device_names)


#: Where the LLM reads spoken transcripts while the repair parses variants: one reading at a time.
_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-reading")


def check_text(text: str, limit: int) -> str:
    """Collapse whitespace and refuse empty or absurdly long input (InputError)."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InputError("nothing to do: the command is empty")
    if len(cleaned) > limit:
        raise InputError(f"command too long: {len(cleaned)} characters (limit {limit}, intents.max_text_length)")
    return cleaned


@dataclass(frozen=True)
class Understander:
    """The understanding stages with their settings; every call is over the view it is given."""

    intents: IntentSettings = IntentSettings()
    """Which stages run, and the longest utterance."""
    rescore: RescoreSettings = RescoreSettings()
    """How far the repair of misheard transcripts may go."""
    min_confidence_speech: float = 0.8
    """``llm.min_confidence_speech``: how sure the model must be of a spoken command."""
    log_texts: bool = False
    """``security.log_transcripts``: name transcripts and repairs in the log."""
    taught: Optional[TaughtPhrases] = None
    """Phrases the home taught (``hearth teach``), read after the templates and before the LLM."""

    def text(self, view: HomeView, states: StateStore, text: str, context: dict[str, Any],
             llm: Optional[LlmSource] = None, deadline: Optional[float] = None) -> Understanding:
        """Recognise and resolve ``text`` without acting; ``llm`` (None: templates only) is asked for
        the LLM stage only when the templates find nothing, and must answer by ``deadline``
        (``time.perf_counter``; by default its own ``llm.deadline_ms`` from now)."""
        stage = self.intents.stage
        recognition = view.recognizer.recognize(text, context) if stage != "llm" else Recognition(None)
        if recognition.intent is None:
            recognition = self._taught(view, text, context) or recognition
        if recognition.intent is None and (mended := mend(text, view.known_tokens, view.vocab.words)) != text:
            _LOGGER.debug("Typed words mended: %r", mended)
            text = mended  # the stages after the templates read it as mended too
            recognition = view.recognizer.recognize(text, context) if stage != "llm" else Recognition(None)
            if recognition.intent is None:
                recognition = self._taught(view, text, context) or recognition
        if recognition.intent is None:  # "hey hearth, turn off the lamp"
            text, recognition = _unaddressed(view, states, text, context, stage)
        area = context.get("area")
        decision = resolve(recognition, view.home, states, area)
        if stage != "llm" and (recognition.intent is None or decision.error):
            # Nothing understood, or a device the home lacks ("the curtain" in a room without one): a name
            # said in part may be what was meant.
            partial, choice = self._partial(view, text, context)
            if choice is not None:
                return Understanding(text, resolve(Recognition(None), view.home, states), choice=choice)
            if partial.intent is not None:
                recognition, decision = partial, resolve(partial, view.home, states, area)
            else:  # "next track" with no player in the room it was said in, or none said
                alone, choice = read_by_kind(view, states, text, context)
                if choice is not None:
                    return Understanding(text, resolve(Recognition(None), view.home, states), choice=choice)
                if alone is not None:
                    recognition, decision = alone, resolve(alone, view.home, states, area)
        result = None
        model = llm() if recognition.intent is None and llm is not None and stage != "templates" else None
        if model is not None:
            result = model.recognize(text, context, deadline)
            if result.refused:
                _LOGGER.info("LLM answer %r not acted on: %s", result.answer, result.refused)
            decision = resolve(result.recognition, view.home, states, area)
            decision = _named_in_home(view, text, decision)
            meant, decision = asked_by_meaning(view, states, text, context, model.meaning, result, decision)
            if meant:  # asked about; the yes teaches these words (as a correction's)
                return Understanding(text, decision, result, doubted=True, meant=meant, corrects=text)
            if decision.acts and weak_only(text, view.vocab):
                _LOGGER.info("LLM answer %r asked about: no word but a weak cue asks for it", result.answer)
                return Understanding(text, decision, result, doubted=True, meant=result.answer, corrects=text)
        return Understanding(text, decision, result)

    def speech(self, view: HomeView, states: StateStore, hypotheses: Iterable[str],
               context: dict[str, Any], llm: Optional[LlmSource] = None,
               deadline: Optional[float] = None) -> Understanding:
        """The first hypothesis the templates act on, else a repair the audio supports, else the
        LLM stage's reading, else the most likely one. ``hypotheses`` is consumed only as far as needed.
        ``deadline`` (``time.perf_counter``) bounds the repair and the LLM stage; by default
        ``intents.decision_deadline_ms`` after the end of speech (``hypotheses.started``)."""
        if deadline is None:  # one budget from the end of speech, for the repair and the LLM together
            started = getattr(hypotheses, "started", None) or time.perf_counter()
            deadline = started + self.intents.decision_deadline_ms / 1000
        fallback: Optional[Understanding] = None
        transcripts: list[str] = []
        for heard in hypotheses:
            text = self._checked(heard)
            if text is None or text in transcripts or _echoes_a_name(view, text):
                continue
            transcripts.append(text)
            understood = self.text(view, states, text, context)
            if understood.choice is not None or (understood.decision.intent is not None and understood.decision.error is None):
                return self._heard_right(view, states, hypotheses, understood, context)
            if not_for_the_model(text, view.vocab):
                # A likelier reading is negated or a report: a less likely one that lost its "don't" must not
                # act (measured: "Don't turn on the bedroom lamp." first, "Turn on the bedroom lamp." third).
                return understood
            fallback = fallback or understood
        reader = llm if fallback is not None and self.intents.stage != "templates" else None
        read = read_alike(view, transcripts[:2]) if reader is not None else []
        unknown = view.unknown_words(read[0]) if reader is not None and not view.vocab.repairs_by_sound else []
        if len(unknown) > self.intents.unknown_words:
            # No repair of words by sound for this language: words unknown even when read alike are a
            # garbled transcript, and the LLM would read the rest as a command (measured: "客厅灯, 开车,
            # 海峙, 软车" turned a lamp on).
            _LOGGER.info("LLM not asked: %d unknown word(s) in the transcript", len(unknown))
            reader = None
        if isinstance(hypotheses, Scored) and transcripts and self.rescore.parses and repairs(view.vocab):
            # The LLM reads the transcripts on the other core while the repair parses variants: llama.cpp
            # lets go of the GIL, so within one deadline neither waits for the other. The repair, which
            # the audio checks, still wins when it finds something.
            reading = _READER.submit(self._llm_on_speech, view, states, read, context,
                                     reader, deadline) if reader is not None else None
            repairing = view.for_repair

            def parse(variant: str) -> Decision:  # a repair that leaves a bare name is no command either
                words = view.vocab.without_fillers(variant)
                if _echoes_a_name(view, words):
                    return Decision(Recognition(None))
                return self.text(repairing, states, words, context).decision

            text_near = [view.grammar] if view.grammar is not None else []
            repairer = Repairers(view.repairer, *text_near, *in_grammar(view, hypotheses))
            parsed: list[Candidate] = []
            chosen = choose(transcripts[:3], hypotheses, repairer, parse, self.rescore, self.log_texts, deadline,
                            lambda decision: _does(view, decision) or _answers(decision), parsed)
            if isinstance(chosen, TooClose):  # the audio does not tell which: the model must not guess either
                return fallback
            if chosen is not None:
                return self._heard_right(view, states, hypotheses, Understanding(chosen.text, chosen.decision),
                                             context)
            if reading is not None:
                return self._heard_right(view, states, hypotheses, _unrivalled(view, states, reading.result(),
                                                                               parsed, context), context)
        if reader is not None:
            answer = self._llm_on_speech(view, states, read, context, reader, deadline)
            return self._heard_right(view, states, hypotheses, answer, context)
        return fallback or Understanding("", Decision(Recognition(None), error=view.vocab.replies["not_heard"]))

    def _partial(self, view: HomeView, text: str, context: dict[str, Any]) -> tuple[Recognition, Optional[Choice]]:
        """A name said in part: when one device fits, the templates read the utterance with its full name;
        when several do and the utterance reads as a command with any of them, the choice to ask about."""
        vocab, home = view.vocab, view.home
        if vocab.negated(text) or vocab.is_statement(text):
            return Recognition(None), None
        area = home.find_area(context["area"]) if context.get("area") else None
        choice = partial_name(text, home, vocab, area.id if area else None) or room_devices(text, home, vocab)
        if choice is None:
            return Recognition(None), None
        first = home.entity(choice.candidates[0])
        recognition = view.recognizer.recognize(choice.command(first.name, vocab), context) if first else Recognition(None)
        if recognition.intent is None or len(choice.candidates) == 1:
            return recognition, None
        return Recognition(None), choice

    def reading(self, view: HomeView, states: StateStore, recognition: Recognition) -> Understanding:
        """A recognition made whole by an answer (the device of a "which one?"), resolved."""
        return Understanding(recognition.slot_texts.get("name", ""), resolve(recognition, view.home, states))

    def whole(self, view: HomeView, text: str, context: dict[str, Any]) -> bool:
        """True when the templates or a taught phrase read all of ``text`` (not a name said in part, not
        the LLM stage)."""
        return view.recognizer.recognize(text, context).intent is not None \
            or self._taught(view, text, context) is not None

    def _taught(self, view: HomeView, text: str, context: dict[str, Any]) -> Optional[Recognition]:
        """What the templates make of the command taught for ``text``, if one was."""
        if self.taught is None:
            return None
        try:
            command = self.taught.command_for(text)
        except TeachError as err:  # a damaged file loses the lessons, not the utterance
            _LOGGER.error("%s", err)
            return None
        if command is None:
            return None
        recognition = view.recognizer.recognize(command, context)
        _LOGGER.info("taught phrase: %s", "understood" if recognition.intent else "its command is not understood")
        return recognition if recognition.intent is not None else None

    def _checked(self, heard: str) -> Optional[str]:
        try:
            return check_text(heard, self.intents.max_text_length)
        except InputError:
            return None

    def _heard_right(self, view: HomeView, states: StateStore, hypotheses: Iterable[str],
                         understood: Understanding, context: dict[str, Any]) -> Understanding:
        """``understood``, doubted where the audio of the transcript fits another reading nearly as well
        ("unlock" heard as "lock", a lost "leave", 6% for 60%, a question): it is asked back (see
        `app.stt.rescore.doubtful_hearing`). Checked on this thread, after the model."""
        if not _does(view, understood.decision) or not isinstance(hypotheses, Scored) or self.rescore.prefix_gap <= 0:
            return understood
        if not doubtful_hearing(understood.text, hypotheses, view.vocab, self.rescore.prefix_gap,
                                view.name_openers, self.rescore.value_gap) \
                and not self._grammar_hears_other_values(view, states, hypotheses, understood, context):
            return understood
        return replace(understood, doubted=True)

    def _grammar_hears_other_values(self, view: HomeView, states: StateStore, hypotheses: Any,
                                    understood: Understanding, context: dict[str, Any]) -> bool:
        """True when a command read with a number, decoded again constrained to what the templates allow
        (`app.stt.grammar_search`), is heard as the same command with other values ("... for twenty nine
        minutes" for a transcript's "for 20 minutes"): a transcript drops a syllable of a number."""
        if view.word_graph is None or not hasattr(hypotheses, "in_grammar") or not view.vocab.numbers(understood.text):
            return False
        found = hypotheses.in_grammar(view.word_graph)
        if not found:
            return False
        other = self.text(view, states, found[0], context).decision
        # Another command altogether is no opinion of this one's values (the search may miss a phrasing).
        if other.intent != understood.decision.intent or effect(other) == effect(understood.decision):
            return False
        _LOGGER.info("Not acted on: read against the templates, the audio says other values")
        return True

    def _llm_on_speech(self, view: HomeView, states: StateStore, texts: list[str], context: dict[str, Any],
                       llm: LlmSource, deadline: Optional[float]) -> Understanding:
        """The LLM stage on the most likely transcript. With a second candidate transcript, it must offer
        the same command: a misheard word ("off" heard as "up") must not become an action."""
        model = llm()
        first = self.text(view, states, texts[0], context, llm, deadline)
        # A name the home lacks replaced by one near it (the templates read the rest of the words) is asked
        # about anyway; the model's own reading, asked about or not, must be sure and without a rival.
        timer = first.decision.timer
        if first.llm is None or not (first.decision.acts or timer) or \
                (first.meant and first.meant != first.llm.answer):
            return first
        refused = _not_acted(view, states, first, context, Source.LLM)
        if first.llm.recognition.confidence < self.min_confidence_speech:
            _LOGGER.info("LLM not acted on: confidence %.2f below %.2f for speech",
                         first.llm.recognition.confidence, self.min_confidence_speech)
            return refused
        # The model's reading of speech starts or changes a timer only after a yes: on the spoken Chinese
        # development sets it read 5 of 11 such transcripts wrong (a new timer for one made longer, 11 hours
        # for "计时1个小时"), and a timer has no state to check a guess against.
        first = replace(first, doubted=True) if timer else first
        if len(texts) < 2:
            return first
        # A second likely transcript that reads as another command takes the answer away: a word heard
        # differently there ("up" for "off"). One that offers no command at all ("tilt the lamp" for
        # "kill the lamp") is no rival reading. Checked without the model, so speech pays for one reading.
        rival = model.offered(texts[1], context) if model is not None else []
        if len(rival) <= 1 or first.llm.answer in rival:
            return first
        _LOGGER.info("LLM not acted on: the second transcript reads as another command")
        return refused


def _not_acted(view: HomeView, states: StateStore, understood: Understanding, context: dict[str, Any],
               source: Source) -> Understanding:
    """``understood`` with nothing to act on: what was heard and read stays for the log and the reply."""
    return replace(understood, decision=resolve(Recognition(None, source=source), view.home, states,
                                                context.get("area")))


def _unrivalled(view: HomeView, states: StateStore, understood: Understanding, repaired: list[Candidate],
                context: dict[str, Any]) -> Understanding:
    """The model's reading of a transcript, not acted on where a repair of the same words reads as another
    intent that acts, whether the audio took that repair or not: "厨房计时气增加5分钟" is a timer made
    longer, and the model's guess that it starts a new one must not act. Where the repair also found the
    model's intent, the model is not contradicted (the others may be that reading's opposite direction,
    which the repair adds itself)."""
    acting = [c for c in repaired if _does(view, c.decision)]  # a question read by a repair is no rival
    if understood.llm is None or not _does(view, understood.decision) or \
            understood.decision.intent in {c.decision.intent for c in acting}:
        return understood
    rival = next((c for c in acting if c.decision.intent != understood.decision.intent), None)
    if rival is None:
        return understood
    _LOGGER.info("LLM not acted on: a repair of the transcript reads as %s", rival.decision.intent)
    return _not_acted(view, states, understood, context, Source.LLM)
