"""The text pipeline: words in, decision, MQTT action, reply out.

:class:`Assistant` is the one configured runtime object. Each utterance goes
one way through it: recognise (templates) → resolve targets → publish the
commands → publish the intent event → render the reply, with a log line per
utterance giving each stage's time.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Optional

import numpy as np

from app.config import Settings
from app.rescore import RescoreSettings, choose
from app.stt import Hypotheses, SpeechToText
from app.stt_prompt import home_prompt
from devices.commands import CommandError, MqttMessage, build_messages
from devices.mqtt import MqttError, MqttLink
from devices.registry import Home, build_home, load_fixture_file
from devices.resolve import resolve
from devices.state import EntityState, StateStore
from intents.confirmation import Confirmations, answer
from intents.llm import LlmRecognizer, LlmResult, LlmSettings
from intents.repair import COMMAND_WORDS, WordRepairer, template_words
from intents.responses import Responder
from intents.schema import Decision, Recognition, Source
from intents.templates import TemplateRecognizer, load_language
from models import ModelError
from models.llm import load_llm, model_path

_LOGGER = logging.getLogger(__name__)


class InputError(Exception):
    """The utterance itself is unusable (empty, too long); one line."""


@dataclass(frozen=True)
class Outcome:
    """Everything that happened for one utterance."""

    text: str
    """What was heard or typed."""
    decision: Decision
    """What Hearth understood and would do."""
    reply: str
    """What Hearth says back."""
    messages: tuple[MqttMessage, ...] = ()
    """Commands built for the targets (published unless ``dry_run``)."""
    published: bool = False
    """True when the commands reached the broker."""
    error: Optional[str] = None
    """Why nothing (or not everything) was done; None when all went well."""
    awaiting_confirmation: bool = False
    """True when a sensitive action waits for a spoken "yes"."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Per-stage times in milliseconds."""

    @property
    def failed(self) -> bool:
        """True when the utterance was not understood or its action not carried out."""
        return self.error is not None


def load_home(settings: Settings, home_file: Optional[str] = None) -> Home:
    """The registry: the home file (argument, else config) merged with config entries."""
    path = home_file or settings.home_file
    fixture = load_fixture_file(path) if path else None
    return build_home(fixture, settings.floors, settings.areas, settings.devices, settings.topic_base)


def initial_states(home: Home) -> StateStore:
    """State store seeded with the states the home file declares."""
    return StateStore({eid: EntityState(state) for eid, state in home.initial_states.items()})


class Assistant:
    """Hearth's runtime: registry, state, recogniser, responder, and optionally MQTT and speech-to-text."""

    def __init__(self, settings: Settings, home: Home, link: Optional[MqttLink] = None,
                 stt: Optional[SpeechToText] = None) -> None:
        self.settings = settings
        self.home = home
        self.states = initial_states(home)
        language = load_language(settings.intents.language)
        self.recognizer = TemplateRecognizer(home, settings.intents.language, language)
        self.responder = Responder(language.get("responses", {}).get("intents", {}))
        self.link = link
        self.stt = stt
        self.stt_prompt = self._stt_prompt()
        """What speech-to-text is primed with (`stt.prompt`), following the home."""
        self._words = set(COMMAND_WORDS) | template_words(self.recognizer.template_texts())
        self.repairer = WordRepairer(home, self._words)
        self.rescore = RescoreSettings(parses=settings.stt.repair_parses, margin=settings.stt.repair_margin,
                                       log_texts=settings.security.log_transcripts)
        """How far the repair of misheard transcripts may go."""
        self.confirmations = Confirmations(settings.security.confirm_seconds)
        self._home_lock = threading.Lock()
        self._next_home: Optional[Home] = None
        self._busy = threading.RLock()  # the voice loop and MQTT text commands take turns
        self._llm: Optional[LlmRecognizer] = None
        self._llm_tried = settings.intents.stage == "templates"
        self.llm_load_seconds = 0.0
        """Time to load the LLM and fill its KV cache with the fixed prompt."""
        self.last_llm: Optional[LlmResult] = None
        """The LLM stage's answer for the last utterance, if it ran (for timings and eval)."""
        self.observers: list[Callable[[Outcome, str], None]] = []
        """Called with every outcome and its site (Home Assistant's sensors, Hermes)."""

    def offer_home(self, home: Home) -> None:
        """A new registry (from discovery, on the network thread); used from the next utterance on,
        so an utterance never sees half of one registry and half of another."""
        with self._home_lock:
            self._next_home = home

    def _refresh(self) -> None:
        with self._home_lock:
            home, self._next_home = self._next_home, None
        if home is not None:
            self.home = home
            self.recognizer.use_home(home)
            self.repairer = WordRepairer(home, self._words)
            self.stt_prompt = self._stt_prompt()
            if self._llm is not None:
                self._llm.use_home(home)

    def _stt_prompt(self) -> str:
        setting = self.settings.stt.prompt
        return home_prompt(self.home) if setting == "auto" else setting

    def hear(self, samples: np.ndarray) -> Hypotheses:
        """Speech-to-text's hypotheses for one utterance, primed with this home's words."""
        if self.stt is None:
            raise RuntimeError("Assistant was built without a speech-to-text stage")
        return self.stt.hypotheses(samples, self.stt_prompt)

    def llm_stage(self) -> Optional[LlmRecognizer]:
        """The LLM stage, loaded on first use (``hearth run`` and ``hearth hub`` at start-up); None when it is
        switched off or its model cannot be loaded, which is said once in the log."""
        if not self._llm_tried:
            self._llm_tried = True
            config = self.settings.llm
            started = time.perf_counter()
            try:
                model = load_llm(model_path(config.model, config.bundled), config.threads, config.context)
            except ModelError as err:
                _LOGGER.error("LLM stage off, templates only: %s", err)
                return None
            self._llm = LlmRecognizer(model, self.recognizer, self.home, LlmSettings(config.examples, config.min_confidence))
            self._llm.warm()
            self.llm_load_seconds = time.perf_counter() - started
        return self._llm

    def area_of_site(self, site: Optional[str]) -> Optional[str]:
        """Area name of a site (this device when None), for "in here"."""
        site = site or self.settings.site
        area_ref = self.settings.sites.get(site) or (self.settings.area if site == self.settings.site else None) or site
        area = self.home.find_area(area_ref)
        return area.name if area else None

    def check_text(self, text: str) -> str:
        """Collapse whitespace and refuse empty or absurdly long input."""
        cleaned = " ".join(text.split())
        if not cleaned:
            raise InputError("nothing to do: the command is empty")
        limit = self.settings.intents.max_text_length
        if len(cleaned) > limit:
            raise InputError(f"command too long: {len(cleaned)} characters (limit {limit}, intents.max_text_length)")
        return cleaned

    def understand(self, text: str, context: Optional[dict[str, Any]] = None, use_llm: bool = True) -> Decision:
        """Recognise and resolve without acting; ``context`` as in eval cases. The templates answer
        first; the LLM stage only when they find nothing (``intents.stage``)."""
        self._refresh()
        context = dict(context or {})
        self.last_llm = None
        stage = self.settings.intents.stage
        recognition = self.recognizer.recognize(text, context) if stage != "llm" else Recognition(None)
        llm = self.llm_stage() if recognition.intent is None and use_llm and stage != "templates" else None
        if llm is not None:
            self.last_llm = llm.recognize(text, context)
            recognition = self.last_llm.recognition
            if self.last_llm.refused:
                _LOGGER.info("LLM answer %r not acted on: %s", self.last_llm.answer, self.last_llm.refused)
        return resolve(recognition, self.home, self.states, context.get("area"))

    def _messages(self, decision: Decision) -> tuple[list[MqttMessage], Optional[str]]:
        messages: list[MqttMessage] = []
        for entity_id in decision.targets:
            entity = self.home.entity(entity_id)
            if entity is None:
                continue
            try:
                messages.extend(build_messages(entity, decision.recognition.intent or "", decision.data))
            except CommandError as err:
                return [], str(err)
        return messages, None

    def _publish(self, messages: list[MqttMessage]) -> Optional[str]:
        if self.link is None:
            return "I can't reach your devices: no MQTT broker is configured"
        try:
            for message in messages:
                self.link.publish(message.topic, message.payload)
        except MqttError as err:
            _LOGGER.error("Command not delivered: %s", err)
            return "Sorry, I couldn't reach your devices"
        return None

    def intent_event(self, outcome: Outcome, site: str) -> dict[str, Any]:
        """The JSON event published on ``<prefix>/<site>/intent``."""
        decision = outcome.decision
        return {
            "text": outcome.text, "intent": decision.intent, "slots": decision.recognition.slots,
            "targets": list(decision.targets), "data": decision.data, "site": site,
            "source": decision.recognition.source.value, "reply": outcome.reply, "timestamp": time.time(),
        }

    def _context(self, site: Optional[str]) -> dict[str, Any]:
        area = self.area_of_site(site)
        return {"area": area} if area else {}

    def understand_speech(self, hypotheses: Iterable[str], context: dict[str, Any]) -> tuple[str, Decision]:
        """The first speech-to-text hypothesis the intent stage can act on, else a repaired one the
        audio supports (`app.rescore`), else the LLM stage's reading, else the most likely one.
        ``hypotheses`` is consumed only as far as needed."""
        fallback: Optional[tuple[str, Decision]] = None
        transcripts: list[str] = []
        for heard in hypotheses:
            text = self._checked(heard)
            if text is None or text in transcripts:
                continue
            transcripts.append(text)
            decision = self.understand(text, context, use_llm=False)
            if self._acceptable(decision):
                return text, decision
            fallback = fallback or (text, decision)
        if hasattr(hypotheses, "likelihoods") and transcripts and self.rescore.parses:
            chosen = choose(transcripts[:3], hypotheses, self.repairer,  # type: ignore[arg-type]
                            lambda text: self.understand(text, context, use_llm=False), self.rescore)
            if chosen is not None:
                return chosen.text, chosen.decision
        if fallback is not None and self.settings.intents.stage != "templates":
            # Templates and repair found nothing: the LLM stage reads the transcripts.
            return fallback[0], self._llm_on_speech(transcripts[:2], context)
        return fallback or ("", Decision(Recognition(None), error="Sorry, I didn't hear anything"))

    def _checked(self, heard: str) -> Optional[str]:
        """``heard`` cleaned up, or None when it is empty or too long to use."""
        try:
            return self.check_text(heard)
        except InputError:
            return None

    def _llm_on_speech(self, texts: list[str], context: dict[str, Any]) -> Decision:
        """The LLM stage on the most likely transcript. With a second candidate transcript, both must
        lead to the same action: a misheard word ("off" heard as "up") must not become an action."""
        first = self.understand(texts[0], context)
        result = self.last_llm
        if result is None or not first.acts:
            return first
        threshold = self.settings.llm.min_confidence_speech
        if result.recognition.confidence < threshold:
            _LOGGER.info("LLM not acted on: confidence %.2f below %.2f for speech", result.recognition.confidence, threshold)
            return resolve(Recognition(None, source=Source.LLM), self.home, self.states, context.get("area"))
        if len(texts) < 2:
            return first
        second = self.understand(texts[1], context)
        spent = result.ms + (self.last_llm.ms if self.last_llm is not None else 0.0)
        self.last_llm = replace(result, ms=spent)
        if (second.intent, set(second.targets), second.data) == (first.intent, set(first.targets), first.data):
            return first
        _LOGGER.info("LLM not acted on: the transcripts disagree (%s / %s)", first.intent, second.intent)
        return resolve(Recognition(None, source=Source.LLM), self.home, self.states, context.get("area"))

    @staticmethod
    def _acceptable(decision: Decision) -> bool:
        return decision.intent is not None and decision.error is None

    def _confirmation(self, text: str, site: Optional[str]) -> tuple[Optional[Decision], Optional[str]]:
        """(decision to carry out, reply) when ``text`` answers a pending "are you sure?"."""
        site = site or self.settings.site
        if not self.confirmations.waiting(site):
            return None, None
        said = answer(text)
        pending = self.confirmations.take(site)  # a yes, a no, or a new command: asked once only
        if said is True:
            return pending, None
        return None, ("Okay, I won't" if said is False else None)

    def handle(self, text: str, site: Optional[str] = None, dry_run: bool = False, confirmed: bool = False) -> Outcome:
        """One typed utterance end to end; raises InputError for unusable input only.
        ``confirmed`` carries out sensitive actions without asking."""
        with self._busy:
            return self._handle(text, site, dry_run, confirmed)

    def _handle(self, text: str, site: Optional[str], dry_run: bool, confirmed: bool) -> Outcome:
        start = time.perf_counter()
        self._refresh()
        self.last_llm = None
        text = self.check_text(text)
        pending, reply = self._confirmation(text, site)
        if reply is not None:
            return Outcome(text, Decision(Recognition(None)), reply)
        decision = pending or self.understand(text, self._context(site))
        return self._carry_out(text, decision, site, dry_run, start, {"stt": 0.0}, confirmed or pending is not None)

    def handle_speech(self, samples: np.ndarray, site: Optional[str] = None, dry_run: bool = False) -> Outcome:
        """One spoken utterance (float32, 16 kHz) end to end (RuntimeError without speech-to-text,
        from `hear`)."""
        with self._busy:
            return self._handle_speech(samples, site, dry_run)

    def _handle_speech(self, samples: np.ndarray, site: Optional[str], dry_run: bool) -> Outcome:
        start = time.perf_counter()
        self._refresh()
        self.last_llm = None
        hypotheses = self.hear(samples)
        if self.confirmations.waiting(site or self.settings.site):
            heard = next(iter(hypotheses), "")
            pending, reply = self._confirmation(heard, site)
            if reply is not None:
                return Outcome(heard, Decision(Recognition(None)), reply)
            if pending is not None:
                return self._carry_out(heard, pending, site, dry_run, start, {"stt": hypotheses.ms}, True)
        text, decision = self.understand_speech(hypotheses, self._context(site))
        return self._carry_out(text, decision, site, dry_run, start, {"stt": hypotheses.ms})

    def _ask_first(self, text: str, decision: Decision, site: Optional[str]) -> Optional[Outcome]:
        """Hold a sensitive action until it is confirmed."""
        names = self.confirmations.needed(decision, self.home) if decision.acts else []
        if not names:
            return None
        self.confirmations.ask(site or self.settings.site, decision)
        entity = self.home.entity(decision.targets[0])
        verb = {"lock": "unlock", "alarm_control_panel": "disarm"}.get(entity.domain if entity else "", "open")
        question = f"Do you want me to {verb} the {' and the '.join(names)}? Say yes to confirm."
        return Outcome(text, decision, question, awaiting_confirmation=True)

    def _carry_out(self, text: str, decision: Decision, site: Optional[str], dry_run: bool,
                   start: float, timings: dict[str, float], confirmed: bool = False) -> Outcome:
        held = None if confirmed else self._ask_first(text, decision, site)
        if held is not None:
            return held
        nlu_done = time.perf_counter()
        timings["nlu"] = (nlu_done - start) * 1000 - timings["stt"]
        if self.last_llm is not None:
            timings["llm"] = self.last_llm.ms
        messages, error = self._messages(decision) if decision.acts else ([], None)
        published = False
        if error is None and messages and not dry_run:
            error = self._publish(messages)
            published = error is None
        act_done = time.perf_counter()
        reply = error or self.responder.render(decision, self.home, self.states)
        timings["act"] = (act_done - nlu_done) * 1000
        timings["reply"] = (time.perf_counter() - act_done) * 1000
        timings["total"] = (time.perf_counter() - start) * 1000
        outcome = Outcome(text, decision, reply, tuple(messages), published, error or decision.error,
                          timings_ms=timings)
        self._announce(outcome, site or self.settings.site, dry_run)
        for observer in self.observers if not dry_run else ():
            try:
                observer(outcome, site or self.settings.site)
            except Exception:  # an observer's failure is not the user's problem
                _LOGGER.exception("Outcome observer failed")
        heard = f" heard={text!r}" if self.settings.security.log_transcripts else ""
        _LOGGER.info(
            "utterance site=%s intent=%s targets=%d published=%s %s%s",
            site or self.settings.site, decision.intent, len(decision.targets), published,
            " ".join(f"{stage}={ms:.1f}ms" for stage, ms in timings.items()), heard,
        )
        return outcome

    def _announce(self, outcome: Outcome, site: str, dry_run: bool) -> None:
        if dry_run or self.link is None or outcome.decision.intent is None:
            return
        if not self.link.connected:  # the command already waited for the broker; don't wait twice
            _LOGGER.warning("Intent event not published: broker unreachable")
            return
        topic = f"{self.settings.mqtt.topic_prefix}/{site}/intent"
        try:
            self.link.publish(topic, json.dumps(self.intent_event(outcome, site), default=str))
        except MqttError as err:
            _LOGGER.warning("Intent event not published: %s", err)
