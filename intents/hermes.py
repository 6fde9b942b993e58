"""The Hermes protocol (Rhasspy, Snips): recognised intents out, ``tts/say`` in.

Pure functions from Hearth's decision to Hermes' topics and JSON payloads, so
existing Hermes skills and Node-RED flows react to Hearth as they did to
Rhasspy: ``hermes/intent/<intentName>`` with the slots, and
``hermes/nlu/intentNotRecognized`` when nothing matched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from devices.decision import Decision

INTENT_TOPIC = "hermes/intent/{name}"
NOT_RECOGNIZED_TOPIC = "hermes/nlu/intentNotRecognized"
SAY_TOPIC = "hermes/tts/say"
SAY_FINISHED_TOPIC = "hermes/tts/sayFinished"


def _slot(name: str, value: Any, raw: str, confidence: float) -> dict[str, Any]:
    kind = "Number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "Unknown"
    return {
        "entity": name, "slotName": name, "rawValue": raw, "confidence": confidence,
        "value": {"kind": kind, "value": value if kind == "Number" else str(value)},
    }


def intent_message(text: str, decision: Decision, site: str, session_id: str) -> tuple[str, str]:
    """(topic, JSON payload) announcing what Hearth understood, recognised or not."""
    recognition = decision.recognition
    if decision.intent is None:
        body: dict[str, Any] = {"input": text, "siteId": site, "sessionId": session_id, "id": None,
                                "customData": None}
        return NOT_RECOGNIZED_TOPIC, json.dumps(body)
    slots = [_slot(name, value, str(recognition.slot_texts.get(name, value)), recognition.confidence)
             for name, value in recognition.slots.items()]
    body = {
        "input": text, "rawInput": text, "siteId": site, "sessionId": session_id, "id": None,
        "customData": None, "asrTokens": [], "asrConfidence": None, "lang": None,
        "intent": {"intentName": decision.intent, "confidenceScore": recognition.confidence},
        "slots": slots,
    }
    return INTENT_TOPIC.format(name=decision.intent), json.dumps(body, default=str)


@dataclass(frozen=True)
class SayRequest:
    """A ``hermes/tts/say`` message."""

    text: str
    """What to say."""
    site: str
    """``siteId``: where to say it."""
    request_id: Optional[str] = None
    """``id``, echoed in ``sayFinished``."""
    session_id: Optional[str] = None
    """``sessionId``, echoed too."""


def parse_say(payload: bytes, default_site: str) -> SayRequest:
    """A ``hermes/tts/say`` payload; ValueError when it is not one."""
    body = json.loads(payload.decode("utf-8"))
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
        raise ValueError("hermes/tts/say needs a JSON object with a non-empty 'text'")
    site = body.get("siteId") if isinstance(body.get("siteId"), str) else default_site
    request_id = body.get("id") if isinstance(body.get("id"), str) else None
    session = body.get("sessionId") if isinstance(body.get("sessionId"), str) else None
    return SayRequest(body["text"].strip()[:1000], site, request_id, session)


def say_finished(request: SayRequest) -> tuple[str, str]:
    """(topic, payload) telling Hermes the text was spoken."""
    return SAY_FINISHED_TOPIC, json.dumps({"id": request.request_id, "siteId": request.site,
                                           "sessionId": request.session_id})
