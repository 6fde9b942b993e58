"""The text pipeline: words in, decision, MQTT action, reply out.

:class:`Assistant` is the one configured runtime object. Each utterance goes
one way through it: recognise (templates) → resolve targets → publish the
commands → publish the intent event → render the reply, with a log line per
utterance giving each stage's time.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from app.config import Settings
from devices.commands import CommandError, MqttMessage, build_messages
from devices.mqtt import MqttError, MqttLink
from devices.registry import Home, build_home, load_fixture_file
from devices.resolve import resolve
from devices.state import EntityState, StateStore
from intents.responses import Responder
from intents.schema import Decision, Recognition
from intents.templates import TemplateRecognizer, load_language

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
    """Hearth's runtime: registry, state, recogniser, responder and (optionally) MQTT."""

    def __init__(self, settings: Settings, home: Home, link: Optional[MqttLink] = None) -> None:
        self.settings = settings
        self.home = home
        self.states = initial_states(home)
        language = load_language(settings.intents.language)
        self.recognizer = TemplateRecognizer(home, settings.intents.language, language)
        self.responder = Responder(language.get("responses", {}).get("intents", {}))
        self.link = link

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

    def understand(self, text: str, context: Optional[dict[str, Any]] = None) -> Decision:
        """Recognise and resolve without acting; ``context`` as in eval cases."""
        context = dict(context or {})
        recognition: Recognition = self.recognizer.recognize(text, context)
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

    def handle(self, text: str, site: Optional[str] = None, dry_run: bool = False) -> Outcome:
        """One utterance end to end; raises InputError for unusable input only."""
        start = time.perf_counter()
        text = self.check_text(text)
        area = self.area_of_site(site)
        decision = self.understand(text, {"area": area} if area else {})
        nlu_done = time.perf_counter()
        messages, error = self._messages(decision) if decision.acts else ([], None)
        published = False
        if error is None and messages and not dry_run:
            error = self._publish(messages)
            published = error is None
        act_done = time.perf_counter()
        reply = error or self.responder.render(decision, self.home, self.states)
        timings = {"nlu": (nlu_done - start) * 1000, "act": (act_done - nlu_done) * 1000,
                   "reply": (time.perf_counter() - act_done) * 1000}
        timings["total"] = (time.perf_counter() - start) * 1000
        outcome = Outcome(text, decision, reply, tuple(messages), published, error or decision.error, timings)
        self._announce(outcome, site or self.settings.site, dry_run)
        _LOGGER.info(
            "utterance site=%s intent=%s targets=%d published=%s nlu=%.1fms act=%.1fms reply=%.1fms total=%.1fms",
            site or self.settings.site, decision.intent, len(decision.targets), published,
            timings["nlu"], timings["act"], timings["reply"], timings["total"],
        )
        return outcome

    def _announce(self, outcome: Outcome, site: str, dry_run: bool) -> None:
        if dry_run or self.link is None or outcome.decision.intent is None:
            return
        topic = f"{self.settings.mqtt.topic_prefix}/{site}/intent"
        try:
            self.link.publish(topic, json.dumps(self.intent_event(outcome, site), default=str))
        except MqttError as err:
            _LOGGER.warning("Intent event not published: %s", err)
