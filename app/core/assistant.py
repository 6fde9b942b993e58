"""The orchestrator: one utterance in, an :class:`Outcome` out, over the pure parts of :mod:`app.core`.

Typed: understand (`understanding`) → confirm if sensitive (`dialog`) → carry
out (`delivery`) → reply (Home Assistant's response templates, or the
failure's own words) → tell observers. Spoken: hear first (speech-to-text,
primed with the home's words), then the same. One log line per utterance
gives each stage's time.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import replace
from typing import Any, Callable, Iterable, Optional

import numpy as np

from app.config import Settings
from app.core import compound
from app.core.by_kind import fill
from app.core.clarify import Choice, referent
from app.core.correction import Corrections, lesson
from app.core.custom_turn import run_custom_intent
from app.core.delivery import Delivery, carry_out, tell
from app.core.dialog import ChoiceDialog, ConfirmationDialog
from app.core.failure import Failure, reply_for
from app.core.home_files import (
    load_home as load_home,  # re-exported: the commands load homes from here
)
from app.core.home_files import taught_phrases
from app.core.home_keeper import HomeKeeper
from app.core.home_view import HomeView
from app.core.list_turn import run_list_intent
from app.core.outcome import Outcome
from app.core.sentences import Sentences
from app.core.timer_turn import run_timer_intent
from app.core.understanding import Understander, Understanding, check_text
from app.core.unknown_names import another_of_its_kind, unknown_device
from app.stt.speech_to_text import Hypotheses, SpeechToText
from app.timers.book import Timer
from app.timers.intents import announcement
from app.timers.service import TimerService
from devices.decision import Decision, Recognition
from devices.home_assistant import LIST_INTENTS
from devices.lists import ListStore
from devices.mqtt import MqttLink
from devices.registry import Home
from devices.state import initial_states
from intents.confirmation import Confirmations
from intents.llm import LlmRecognizer
from intents.responses import Responder
from intents.taught import TeachError
from intents.vocabulary import vocabulary

_LOGGER = logging.getLogger(__name__)


def _asker(site: str, conversation: Optional[str]) -> str:
    """Who a question is put to: the site, or one conversation at it."""
    return site if conversation is None else f"{site}\x1f{conversation}"


class Assistant:
    """Hearth's runtime for one home: understands, confirms, carries out and replies."""

    def __init__(self, settings: Settings, home: Home, link: Optional[MqttLink] = None,
                 stt: Optional[SpeechToText] = None, timers: Optional[TimerService] = None) -> None:
        self.settings = settings
        self.link = link
        self.stt = stt
        self.timers = timers
        """Timers and delayed commands; None where this runtime keeps no timers (one-shot commands): timer
        intents are then answered as Home Assistant answers a device without timer support."""
        self.lists: Optional[ListStore] = None
        """Shopping and to-do lists; None where this runtime keeps none (list intents are refused)."""
        self.vocab = vocabulary(settings.intents.language)
        """The words of the language: every stage takes them from here."""
        taught = taught_phrases(settings, self.vocab)
        self.homes = HomeKeeper(settings, home, self.vocab, taught, stt)
        """The home in use, its sentences and the stages over them."""
        self.states = initial_states(home.initial_states)
        self.understander = Understander(settings.intents, settings.repair, settings.llm.min_confidence_speech,
                                         settings.security.log_transcripts, taught)
        self.dialog = ConfirmationDialog(Confirmations(settings.security.confirm_seconds), self.vocab)
        self.choices = ChoiceDialog(self.vocab, settings.conversation.question_seconds)
        """Open "which one?" questions, per site."""
        self._last: dict[str, tuple[str, ...]] = {}  # per site: what "it" and "them" stand for
        self.corrections = Corrections(self.vocab, settings.conversation.correction_seconds)
        """The last turn per site, which "no, the hallway lamp" corrects."""
        self._busy = threading.RLock()  # the voice loop and MQTT text commands take turns
        self.observers: list[Callable[[Outcome, str], None]] = []
        """Called with every outcome and its site (Home Assistant's sensors, Hermes)."""

    @property
    def view(self) -> HomeView:
        """The home and the stages over it, as the last utterance saw them."""
        return self.homes.view

    @property
    def home(self) -> Home:
        """The registry in use."""
        return self.homes.view.home

    @property
    def sentences(self) -> Sentences:
        """The templates (Home Assistant's, Hearth's, the user's) and the responses in use."""
        return self.homes.sentences

    @property
    def responder(self) -> Responder:
        """Renders replies in Home Assistant's words."""
        return self.homes.sentences.responder

    @property
    def on_sentences(self) -> list[Callable[[], None]]:
        """Called after the user's sentence files were read again (Home Assistant's event types)."""
        return self.homes.on_sentences

    @property
    def llm_load_seconds(self) -> float:
        """Time to load the LLM and fill its KV cache with the fixed prompt."""
        return self.homes.llm_load_seconds

    def offer_home(self, home: Home) -> None:
        """A new registry (from discovery, on the network thread): built in the background, used from
        the first utterance after it is ready; commands never wait for it."""
        self.homes.offer(home)

    def wait_for_home(self, timeout: float = 30.0) -> bool:
        """Wait until the homes offered so far are built (one-shot commands and tests); False on time-out."""
        return self.homes.wait(timeout)

    def llm_stage(self) -> Optional[LlmRecognizer]:
        """The LLM stage over the view of the utterance in hand (`HomeKeeper.llm_stage`)."""
        return self.homes.llm_stage()

    def hear(self, samples: np.ndarray) -> Hypotheses:
        """Speech-to-text's hypotheses for one utterance, primed with this home's words."""
        if self.stt is None:
            raise RuntimeError("Assistant was built without a speech-to-text stage")
        return self.stt.hypotheses(samples, self.homes.current().stt_prompt)

    def context_of(self, site: Optional[str]) -> dict[str, Any]:
        """``{"area": ...}`` for the site that heard it (this device when None), for "in here"."""
        site = site or self.settings.site
        ref = self.settings.sites.get(site) or (self.settings.area if site == self.settings.site else None) or site
        area = self.home.find_area(ref)
        return {"area": area.name} if area else {}

    def check_text(self, text: str) -> str:
        """``text`` cleaned, or InputError for empty or too long input."""
        return check_text(text, self.settings.intents.max_text_length)

    def understand(self, text: str, context: Optional[dict[str, Any]] = None, bounded: bool = True) -> Understanding:
        """Recognise and resolve without acting; ``context`` as in eval cases. ``bounded``: the LLM stage
        gives up at ``llm.deadline_ms`` (False reads to the end, for figures that do not depend on load)."""
        return self.understander.text(self.homes.current(), self.states, text, dict(context or {}), self.llm_stage,
                                      None if bounded else math.inf)

    def understand_speech(self, hypotheses: Iterable[str], context: dict[str, Any], bounded: bool = True) -> Understanding:
        """The hypothesis (or repair, or LLM reading) to act on; ``bounded`` as for `understand`."""
        return self.understander.speech(self.homes.current(), self.states, hypotheses, context, self.llm_stage,
                                        None if bounded else math.inf)

    def handle(self, text: str, site: Optional[str] = None, dry_run: bool = False, confirmed: bool = False,
               conversation: Optional[str] = None) -> Outcome:
        """One typed utterance end to end; raises InputError for unusable input only. ``confirmed`` carries
        out sensitive actions without asking. ``conversation`` keeps questions apart: only the one asked
        answers, so a "yes" from another satellite or the phone's chat confirms nothing."""
        with self._busy:
            start, site = time.perf_counter(), site or self.settings.site
            asker, text = _asker(site, conversation), self.check_text(text)
            if self._stops_ringing(text, site):
                return Outcome(text, Decision(Recognition("HassNevermind")), "")
            answered = self.dialog.answer(text, asker)
            if answered is not None:
                understood = self._confirmed(text, answered.decision, site)
                return self._finish(understood, site, dry_run, start, {"stt": 0.0}, answered.failure, confirmed=True,
                                    asker=asker)
            understood, refused = self._followed(text, site, lambda: self.understand(text, self.context_of(site)),
                                                 asker)
            several = None if refused else self._several(text, site, understood, lambda clause: self._finish(
                clause, site, dry_run, time.perf_counter(), {"stt": 0.0}, confirmed=confirmed, asker=asker))
            if several is not None:
                return several
            return self._finish(understood, site, dry_run, start, {"stt": 0.0}, refused, confirmed=confirmed,
                                asker=asker)

    def handle_speech(self, samples: np.ndarray, site: Optional[str] = None, dry_run: bool = False,
                      conversation: Optional[str] = None) -> Outcome:
        """One spoken utterance (float32, 16 kHz) end to end (RuntimeError without speech-to-text)."""
        with self._busy:
            return self.handle_heard(self.hear(samples), site, dry_run, conversation)

    def handle_heard(self, hypotheses: Hypotheses, site: Optional[str] = None, dry_run: bool = False,
                     conversation: Optional[str] = None) -> Outcome:
        """A spoken utterance already heard, end to end, with the checks against its audio (the Wyoming
        agent call after Hearth's own speech-to-text); ``conversation`` as in `handle`."""
        with self._busy:
            start, site = time.perf_counter() - hypotheses.ms / 1000, site or self.settings.site
            asker = _asker(site, conversation)
            heard = next(iter(hypotheses), "")  # the most likely transcript: what answers a question
            if self._stops_ringing(heard, site):
                return Outcome(heard, Decision(Recognition("HassNevermind")), "")
            if self.dialog.waiting(asker):
                answered = self.dialog.answer(heard, asker)
                if answered is not None:
                    understood = self._confirmed(heard, answered.decision, site)
                    return self._finish(understood, site, dry_run, start, {"stt": hypotheses.ms}, answered.failure,
                                        confirmed=True, asker=asker)
            understood, refused = self._followed(heard, site,
                                                 lambda: self.understand_speech(hypotheses, self.context_of(site)),
                                                 asker)
            if not refused and (understood.llm is not None or not understood.decision.acts):  # not a repair's
                several = self._several(heard, site, understood, lambda clause: self._finish(
                    clause, site, dry_run, time.perf_counter(), {"stt": hypotheses.ms}, asker=asker))
                if several is not None:
                    return several
            return self._finish(understood, site, dry_run, start, {"stt": hypotheses.ms}, refused, asker=asker,
                                heard=tuple(getattr(hypotheses, "heard", ())), audio=getattr(hypotheses, "samples", None))

    def transcript_heard(self, samples: np.ndarray, site: Optional[str] = None) -> tuple[str, Hypotheses]:
        """What was said, for a client that only wants the words (Home Assistant's pipeline): speech-to-text
        with the home's prompt and the repair the templates support (not the LLM stage); and what was
        heard, for the agent call that may follow with the same words."""
        with self._busy:
            hypotheses = self.hear(samples)
            understood = self.understander.speech(self.homes.current(), self.states, hypotheses, self.context_of(site))
            if understood.decision.intent is not None and understood.text:
                return understood.text, hypotheses
            return next(iter(hypotheses), ""), hypotheses

    def _finish(self, understood: Understanding, site: str, dry_run: bool, start: float, timings: dict[str, float],
                declined: Optional[Failure] = None, confirmed: bool = False, asker: Optional[str] = None,
                heard: tuple[str, ...] = (), audio: Any = None) -> Outcome:
        """Confirm, carry out, reply, tell the observers, log. ``asker``: who a question is put to (the
        site, or one conversation at it)."""
        text, decision, home, asker = understood.text, understood.decision, self.home, asker or site
        if decision.intent is None and declined is None and understood.choice is None and text:
            decision = unknown_device(self.homes.view, text, self.context_of(site)) or decision
        nlu_done = time.perf_counter()
        timings["nlu"] = (nlu_done - start) * 1000 - timings["stt"]
        if understood.choice is not None and declined is None:
            asked = self.choices.ask(understood.choice, asker, home)
            return self._said(Outcome(text, decision, asked, failure=Failure.NEEDS_CHOICE, timings_ms=timings), site)
        action = self.settings.intents.actions.get(decision.intent or "") if decision.error is None else None
        own = decision.error is None and decision.intent in self.homes.view.recognizer.custom  # the user's intent
        # a timer, like the user's own intent, has no device to name in its question
        asks = (own and (understood.doubted or bool(action and action.confirm))) or \
            (decision.timer and understood.doubted)
        doubted = understood.meant or (text if understood.doubted or asks else None)
        question = None if confirmed or declined else \
            self.dialog.ask(decision, asker, home, doubted, asks=asks, meant=understood.meant is not None)
        undone = self._put_back(understood.undo, site, dry_run) if question is None else ()
        if question is not None or declined is not None:
            failure = declined or Failure.NEEDS_CONFIRMATION
            reply = question or (self.vocab.replies["undone"] if undone else reply_for(failure, self.vocab))
            if undone or question:  # a correction held for a yes stays the one to learn from
                self.corrections.remember(site, understood, ())
            return self._said(Outcome(text, decision, reply, failure=failure, timings_ms=timings, undone=undone), site)
        if understood.llm is not None:
            timings["llm"] = understood.llm.ms
        spoken: dict[str, Any] = {}
        if decision.timer:
            context = self.context_of(site)
            decision, spoken = run_timer_intent(
                self.timers, decision, site, context.get("area"), dry_run, self.vocab,
                lambda words: self.understand(words, context).decision,
                lambda inner: bool(self.dialog.confirmations.needed(inner, home)))
        if decision.intent in LIST_INTENTS and decision.error is None:
            decision = run_list_intent(self.lists, decision, home, self.vocab, dry_run)
        before = tuple((target, self.states.get(target).state) for target in decision.targets)
        delivery, said = carry_out(decision, home, self.link, dry_run) if decision.acts else Delivery(), None
        if action is not None:
            delivery, said = run_custom_intent(action, decision, self.link, dry_run)
        act_done = time.perf_counter()
        failure = delivery.failure or Understanding(text, decision).failure
        reply = reply_for(delivery.failure, self.vocab, delivery.detail, delivery.reason) if delivery.failure else \
            said or self.responder.render(decision, home, self.states, spoken)  # the resolver's reason if any
        timings["act"] = (act_done - nlu_done) * 1000
        timings["reply"] = (time.perf_counter() - act_done) * 1000
        timings["total"] = (time.perf_counter() - start) * 1000
        outcome = Outcome(text, decision, reply, delivery.messages, delivery.published, failure, timings, undone, heard,
                          audio)
        if decision.targets and decision.error is None:
            self._last[site] = decision.targets
        learnt = self._learn(understood.corrects, decision, site)
        self.corrections.remember(site, replace(understood, decision=decision), before, learnt)
        if not dry_run:
            self._tell(outcome, site)
        return self._said(outcome, site)

    def _several(self, text: str, site: str, understood: Understanding,
                 finish: Callable[[Understanding], Outcome]) -> Optional[Outcome]:
        """``text`` carried out as two or three commands (`app.core.compound`), when it is that and neither
        the templates nor a taught phrase read it whole; clauses are read by the templates (and taught
        phrases): another reading of the whole sentence is one command of it at best."""
        if understood.choice is not None:
            return None
        view, context = self.homes.current(), self.context_of(site)
        clauses = compound.split(text, self.vocab, lambda words: self.understander.text(view, self.states, words, context),
                                 lambda: self.understander.whole(view, text, context))
        return compound.carry(text, clauses, finish, self.vocab) if clauses else None

    def _said(self, outcome: Outcome, site: str) -> Outcome:
        """Log the utterance's one line (its stages' times) and return it."""
        timings, decision = outcome.timings_ms, outcome.decision
        timings.setdefault("total", sum(ms for stage, ms in timings.items() if stage in ("stt", "nlu")))
        heard = f" heard={outcome.text!r}" if self.settings.security.log_transcripts else ""
        _LOGGER.info("utterance site=%s intent=%s targets=%d published=%s failure=%s %s%s", site, decision.intent,
                     len(decision.targets), outcome.published, outcome.failure.value if outcome.failure else None,
                     " ".join(f"{stage}={ms:.1f}ms" for stage, ms in timings.items()), heard)
        return outcome

    def _followed(self, text: str, site: str, understand: Callable[[], Understanding],
                  asker: Optional[str] = None) -> tuple[Understanding, Optional[Failure]]:
        """``text`` as the answer to an open "which one?" put to ``asker`` (DECLINED for a no), else as
        being about what "it" stands for, else as ``understand`` reads it."""
        answer = self.choices.answer(text, asker or site, self.home)
        if answer is not None and answer.choice is None:
            return Understanding(text, Decision(Recognition(None))), Failure.DECLINED
        if answer is not None and answer.choice is not None:
            return self._fill(answer.choice, answer.picked, self.context_of(site)), None
        turn, corrected = self.corrections.last(site), self.corrections.correct(
            text, site, lambda words: self._referred(words, site) or self.understand(words, self.context_of(site)),
            self.home)
        if corrected is not None and corrected.decision.intent is None:  # a bare "no": put back only
            if turn is not None and turn.learnt and self.understander.taught is not None:
                try:
                    self.understander.taught.forget(turn.text)  # and take back the lesson just learnt
                except (TeachError, OSError) as err:
                    _LOGGER.error("lesson not taken back: %s", err)
            return corrected, Failure.DECLINED
        return corrected or self._referred(text, site) or understand(), None

    def _referred(self, text: str, site: str) -> Optional[Understanding]:
        """"Turn it off": the utterance about the devices ``site`` last acted on or asked about, when it
        is understood that way."""
        choice = referent(text, self.vocab, self._last.get(site, ()))
        if choice is None:
            return None
        filled = self._fill(choice, choice.candidates, self.context_of(site))
        return filled if filled.decision.intent is not None and filled.decision.error is None else None

    def _fill(self, choice: Choice, ids: tuple[str, ...], context: dict[str, Any]) -> Understanding:
        """The utterance with each device's name in its hole, understood; one decision over all of them
        when each reads as the same command."""
        home = self.home
        entities = [entity for entity in (home.entity(i) for i in ids) if entity is not None]
        if choice.reading is not None:  # a command read whole: the device answered goes in its slots
            parts = [self.understander.reading(self.homes.current(), self.states, fill(choice.reading, entity,
                                                                                       self.homes.view))
                     for entity in entities]
        else:
            parts = [self.understand(choice.command(entity.name, self.vocab), context) for entity in entities]
        if not parts:
            return Understanding("", Decision(Recognition(None)))
        first = parts[0]
        same = (first.decision.intent, first.decision.data)
        if any(p.decision.error or (p.decision.intent, p.decision.data) != same for p in parts):
            return first  # not one command over several devices: only the first is meant
        targets = tuple(dict.fromkeys(t for p in parts for t in p.decision.targets))
        matched = tuple(dict.fromkeys(t for p in parts for t in p.decision.matched))
        return replace(first, decision=replace(first.decision, targets=targets, matched=matched))

    def _confirmed(self, text: str, held: Optional[Decision], site: str) -> Understanding:
        """The answer to a confirmation: the action held (None for a no), with the words it corrected
        when it was a correction."""
        if held is None:
            return Understanding(text, Decision(Recognition(None)))
        return Understanding(text, held, corrects=self.corrections.confirmed(site))

    def _put_back(self, commands: tuple[str, ...], site: str, dry_run: bool) -> tuple[Decision, ...]:
        """Carry out a correction's commands that put back what the command it corrects switched; never
        one that would need a spoken "yes" (unlocking)."""
        done = []
        for command in commands:
            decision = self.understand(command, self.context_of(site)).decision
            if decision.acts and not self.dialog.confirmations.needed(decision, self.home):
                carry_out(decision, self.home, self.link, dry_run)
                done.append(decision)
        return tuple(done)

    def _learn(self, words: Optional[str], decision: Decision, site: str) -> bool:
        """Teach the words a correction corrected the command it carried out, where they may be taught;
        True when they were."""
        taught = self.understander.taught
        if taught is None or not self.settings.conversation.learn_corrections:
            return False
        view, context = self.homes.view, self.context_of(site)
        command = lesson(words, decision, view.home, self.vocab,
                         lambda said: view.recognizer.recognize(said, context).intent is not None,
                         lambda said: self.understander.text(view, self.states, said, context).decision)
        if command is None or words is None:
            return False
        alias = _name_taught(view, words, decision, context)
        try:
            if alias is not None:
                taught.teach_alias(alias, decision.targets[0])
            else:
                taught.teach(words, command)
        except (TeachError, OSError) as err:  # the correction was carried out; only the lesson is lost
            _LOGGER.error("correction not learnt: %s", err)
            return False
        if alias is not None:
            _LOGGER.info("correction learnt: %s is now also called %r", decision.targets[0], alias)
            self.homes.take_up_taught_names()  # every sentence with the new name, from the next utterance on
        else:
            _LOGGER.info("correction learnt: the words corrected now mean %r", command)
        return True

    def _stops_ringing(self, text: str, site: str) -> bool:
        """Anything said where a finished timer rings silences it; True when what was said was only
        "stop" (or the like), which then does nothing more."""
        if self.timers is None or not self.timers.silence(site):
            return False
        words = self.vocab.words(text)
        return bool(words) and set(words) <= self.vocab.stop_words

    def announcement(self, timer: Timer) -> str:
        """What is said when ``timer`` ends."""
        return announcement(timer, self.vocab)

    def carry_out_later(self, timer: Timer) -> Optional[str]:
        """Carry out a delayed command whose timer ended; what to say when it failed, else None."""
        try:
            with self._busy:  # not through handle(): the command is no answer to a question, no "stop"
                start = time.perf_counter()
                understood = self.understand(self.check_text(timer.command or ""), self.context_of(timer.site))
                outcome = self._finish(understood, timer.site, False, start, {"stt": 0.0})
        except Exception:  # the timer thread must not die of one command
            _LOGGER.exception("Delayed command failed")
            outcome = None
        if outcome is None or outcome.failure is not None:
            return self.vocab.replies["command_failed"].format(command=timer.command)
        return None

    def _tell(self, outcome: Outcome, site: str) -> None:
        """Publish the intent event and call the observers; neither may fail the utterance."""
        tell(outcome, site, self.link, self.settings.mqtt.topic_prefix, self.observers)


def _name_taught(view: HomeView, words: str, decision: Decision, context: dict[str, Any]) -> Optional[str]:
    """The name a correction teaches as another name of the one device it did ("telly" in "switch the
    telly off"), or None: no name the home lacks was said, or it names another of its kind ("reading
    lamp" for the Bedroom Lamp teaches the sentence only)."""
    unknown = unknown_device(view, words, context)
    entity = view.home.entity(decision.targets[0]) if len(decision.targets) == 1 else None
    if unknown is None or entity is None:
        return None
    name = str(unknown.recognition.slots["name"])
    return None if another_of_its_kind(name, entity, view.vocab) else name
