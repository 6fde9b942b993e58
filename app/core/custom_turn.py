"""A user's own intent carried out: the MQTT message and reply its action names in the config.

Every understood intent is published on ``<prefix>/<site>/intent`` with its
slots, so a Home Assistant automation can act on a custom intent with an MQTT
trigger alone; an action here is for what needs no automation. Its topic,
payload and reply are Home Assistant-style templates over the slots, run in
the bounded sandbox discovery templates run in (`devices.value_template`).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from app.core.delivery import Delivery, send
from app.core.failure import Failure
from app.core.settings import CustomAction
from devices.commands import MqttMessage
from devices.decision import Decision
from devices.mqtt import MqttLink
from devices.value_template import TemplateError, render

_LOGGER = logging.getLogger(__name__)

#: Characters a topic a command is published to may not hold (MQTT's wildcards, the null character).
_NOT_IN_TOPIC = ("+", "#", "\0")




def whole_numbers(slots: dict[str, Any]) -> dict[str, Any]:
    """The slots as templates see them: a whole number said as digits is 5, not 5.0."""
    return {name: int(value) if isinstance(value, float) and value.is_integer() else value
            for name, value in slots.items()}


def run_custom_intent(action: CustomAction, decision: Decision, link: Optional[MqttLink],
                      dry_run: bool = False) -> tuple[Delivery, Optional[str]]:
    """Publish the action's message, if it has one; what was sent and the reply (None: the responder's)."""
    slots = whole_numbers(decision.recognition.slots)
    variables = {**slots, "slots": slots}
    try:
        reply = render(action.reply, **variables) if action.reply is not None else None
        if action.topic is None:
            return Delivery(published=not dry_run), reply
        topic = render(action.topic, **variables).strip()
        payload = render(action.payload, **variables)
    except TemplateError as err:
        _LOGGER.error("Action of %s not carried out: %s", decision.intent, err)
        return Delivery(failure=Failure.NOT_POSSIBLE, reason=("custom_failed", {})), None
    if not topic or topic.startswith("$") or any(c in topic for c in _NOT_IN_TOPIC):
        _LOGGER.error("Action of %s not carried out: %r is no topic to publish to", decision.intent, topic)
        return Delivery(failure=Failure.NOT_POSSIBLE, reason=("custom_failed", {})), None
    delivery = send(Delivery((MqttMessage(topic, payload, decision.intent or ""),)), link, dry_run)
    return delivery, reply
