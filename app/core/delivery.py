"""Carrying out a decision: the MQTT commands for its targets, published and acknowledged."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from app.core.failure import Failure
from devices.commands import CommandError, MqttMessage, build_messages
from devices.decision import Decision
from devices.mqtt import MqttError, MqttLink
from devices.registry import Home

if TYPE_CHECKING:
    from app.core.outcome import Outcome

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What reached the devices."""

    messages: tuple[MqttMessage, ...] = ()
    """Commands built for the targets (published unless it was a dry run)."""
    published: bool = False
    """True when every command was acknowledged by the broker."""
    failure: Optional[Failure] = None
    """Why not, or None."""
    detail: Optional[str] = None
    """The specific reason, in words for the user, where there is one (a value a device cannot take)."""
    reason: Optional[tuple[str, dict[str, Any]]] = None
    """The same as the vocabulary's reply key and what it names, to say it in the home's language."""


def build(decision: Decision, home: Home) -> Delivery:
    """The commands for an acting decision, unpublished; NOT_POSSIBLE when a target cannot take them."""
    messages: list[MqttMessage] = []
    for entity_id in decision.targets if decision.acts else ():
        entity = home.entity(entity_id)
        if entity is None:
            continue
        try:
            messages.extend(build_messages(entity, decision.recognition.intent or "", decision.data))
        except CommandError as err:
            return Delivery(failure=Failure.NOT_POSSIBLE, detail=str(err), reason=(err.key, err.slots))
    return Delivery(tuple(messages))


def carry_out(decision: Decision, home: Home, link: Optional[MqttLink], dry_run: bool = False) -> Delivery:
    """Build the decision's commands and, unless ``dry_run``, publish each and wait for the broker."""
    return send(build(decision, home), link, dry_run)


def send(built: Delivery, link: Optional[MqttLink], dry_run: bool = False) -> Delivery:
    """Publish built commands (unless ``dry_run``) and wait for the broker to acknowledge each."""
    if built.failure is not None or not built.messages or dry_run:
        return built
    if link is None:
        return Delivery(built.messages, failure=Failure.NO_BROKER)
    try:
        link.probe()  # nothing is written to a broker that stopped answering: "it failed" stays true
    except MqttError as err:
        _LOGGER.error("Command not sent: %s", err)
        return Delivery(built.messages, failure=Failure.NOT_DELIVERED)
    sent = 0
    try:
        for sent, message in enumerate(built.messages, 1):
            link.publish(message.topic, message.payload)
    except MqttError as err:
        # Written and unanswered (or some of several sent): it may still happen; say so, not "failed".
        doubt = err.in_doubt or sent > 1
        _LOGGER.error("Command %s: %s", "not confirmed" if doubt else "not delivered", err)
        return Delivery(built.messages, failure=Failure.NOT_CONFIRMED if doubt else Failure.NOT_DELIVERED)
    return Delivery(built.messages, published=True)


def intent_event(text: str, decision: Decision, reply: str, site: str) -> dict[str, Any]:
    """The JSON event published on ``<prefix>/<site>/intent``."""
    return {
        "text": text, "intent": decision.intent, "slots": decision.recognition.slots,
        "targets": list(decision.targets), "data": decision.data, "site": site,
        "source": decision.recognition.source.value, "reply": reply, "timestamp": time.time(),
    }


def tell(outcome: "Outcome", site: str, link: Optional[MqttLink], prefix: str,
         observers: Iterable[Callable[["Outcome", str], None]]) -> None:
    """Publish the intent event and call the observers; neither may fail the utterance."""
    if link is not None and outcome.decision.intent is not None:
        if not link.connected:  # the command already waited for the broker; don't wait twice
            _LOGGER.warning("Intent event not published: broker unreachable")
        else:
            event = intent_event(outcome.text, outcome.decision, outcome.reply, site)
            try:
                link.publish(f"{prefix}/{site}/intent", json.dumps(event, default=str))
            except MqttError as err:
                _LOGGER.warning("Intent event not published: %s", err)
    for observer in observers:
        try:
            observer(outcome, site)
        except Exception:  # an observer's failure is not the user's problem
            _LOGGER.exception("Outcome observer failed")
