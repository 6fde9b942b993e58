"""Hearth announced to Home Assistant as a device, over MQTT discovery.

One device-discovery config (``<prefix>/device/hearth_<site>/config``) with
six entities: the pipeline state (idle, listening, thinking, speaking), the
last transcript, the last intent, a mute switch, a text entity that runs a
typed command, and the number of timers (their list as attributes). Availability is a retained ``online`` with ``offline`` as the
last will; the config is published again whenever Home Assistant comes back
online (``<prefix>/status``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from devices.discovery import HEARTH_ORIGIN
from devices.hushed import Hushed
from devices.mqtt import MqttError, MqttLink

_LOGGER = logging.getLogger(__name__)

#: Longest text published on the transcript and intent sensors (Home Assistant's state limit).
MAX_STATE = 255
#: The mute switch's payloads (Home Assistant's defaults, so the config declares none).
MUTE_PAYLOADS = (b"ON", b"OFF")


@dataclass(frozen=True)
class DeviceTopics:
    """Hearth's own topics for one site."""

    root: str
    """``<topic_prefix>/<site>``."""

    @property
    def availability(self) -> str:
        return f"{self.root}/availability"

    @property
    def state(self) -> str:
        return f"{self.root}/state"

    @property
    def transcript(self) -> str:
        return f"{self.root}/transcript"

    @property
    def last_intent(self) -> str:
        return f"{self.root}/last_intent"

    @property
    def mute_state(self) -> str:
        return f"{self.root}/mute"

    @property
    def mute_set(self) -> str:
        return f"{self.root}/mute/set"

    @property
    def command(self) -> str:
        return f"{self.root}/command"

    @property
    def timers(self) -> str:
        return f"{self.root}/timers"

    @property
    def lists(self) -> str:
        return f"{self.root}/lists"

    @property
    def reply(self) -> str:
        return f"{self.root}/reply"

    @property
    def intent(self) -> str:
        return f"{self.root}/intent"


#: The intent event (``<root>/intent``) as Home Assistant's MQTT event entity reads one: an event type
#: and attributes (the words, the slots, the site).
EVENT_TEMPLATE = ("{{ {'event_type': value_json.intent, 'text': value_json.text, 'slots': value_json.slots,"
                  " 'site': value_json.site} | tojson }}")


def discovery_config(site: str, topics: DeviceTopics, intents: Sequence[str] = ()) -> dict[str, Any]:
    """The device-discovery payload describing Hearth on ``site``; ``intents``: the event entity's event
    types (every intent Hearth may understand, the user's own included), for automations to trigger on."""
    uid = f"hearth_{site}"
    return {
        "dev": {"ids": [uid], "name": f"Hearth {site}", "mf": "Hearth", "mdl": "voice assistant"},
        # The origin marks the config as Hearth's: a Hearth importing discovery configs skips it
        # (its own and other Hearths'), else it would control its own mute switch as a device.
        "o": {"name": HEARTH_ORIGIN},
        "avty_t": topics.availability,
        "cmps": {
            "state": {"p": "sensor", "name": "State", "uniq_id": f"{uid}_state", "stat_t": topics.state,
                      "dev_cla": "enum", "ops": ["idle", "listening", "thinking", "speaking"]},
            "transcript": {"p": "sensor", "name": "Last transcript", "uniq_id": f"{uid}_transcript",
                           "stat_t": topics.transcript},
            "intent": {"p": "sensor", "name": "Last intent", "uniq_id": f"{uid}_intent",
                       "stat_t": topics.last_intent},
            "mute": {"p": "switch", "name": "Mute", "uniq_id": f"{uid}_mute", "cmd_t": topics.mute_set,
                     "stat_t": topics.mute_state, "ic": "mdi:microphone-off"},
            "command": {"p": "text", "name": "Command", "uniq_id": f"{uid}_command", "cmd_t": topics.command,
                        "max": 255},
            "reply": {"p": "sensor", "name": "Last reply", "uniq_id": f"{uid}_reply", "stat_t": topics.reply,
                      "val_tpl": "{{ value_json.reply[:255] }}", "json_attr_t": topics.reply,
                      "ic": "mdi:message-reply-text-outline"},
            "timers": {"p": "sensor", "name": "Timers", "uniq_id": f"{uid}_timers", "stat_t": topics.timers,
                       "val_tpl": "{{ value_json.count }}", "json_attr_t": topics.timers, "ic": "mdi:timer-outline"},
            "lists": {"p": "sensor", "name": "Lists", "uniq_id": f"{uid}_lists", "stat_t": topics.lists,
                      "val_tpl": "{{ value_json.count }}", "json_attr_t": topics.lists,
                      "ic": "mdi:format-list-checks"},
            **({"intent_event": {"p": "event", "name": "Intent", "uniq_id": f"{uid}_intent_event",
                                 "stat_t": topics.intent, "val_tpl": EVENT_TEMPLATE, "evt_typ": sorted(intents),
                                 "ic": "mdi:account-voice"}} if intents else {}),
        },
    }


class HomeAssistantDevice:
    """Publishes Hearth's state to its discovery entities and takes their commands."""

    def __init__(self, link: MqttLink, site: str, topic_prefix: str, discovery_prefix: str,
                 share_transcript: bool = True, intents: Callable[[], Sequence[str]] = tuple) -> None:
        self.link = link
        self.intents = intents
        """The intents Hearth may understand now (the event entity's types; the user's may change)."""
        self.site = site
        self.topics = DeviceTopics(f"{topic_prefix}/{site}")
        self.config_topic = f"{discovery_prefix}/device/hearth_{site}/config"
        self.status_topic = f"{discovery_prefix}/status"
        self.share_transcript = share_transcript
        self.muted = False
        self._state = "idle"  # announced from the start: never "unknown" until the first utterance
        link.set_will(self.topics.availability, "offline")

    def start(self, on_mute: Callable[[bool], None], on_command: Callable[[str], None]) -> None:
        """Subscribe to the mute switch, the command text and Home Assistant's status."""
        ignored = Hushed(_LOGGER)

        def mute(topic: str, payload: bytes) -> None:
            # Exactly the switch's payloads, as Home Assistant sends them: "on " or "On" is not
            # what Home Assistant sends, so it is someone else's guess, not a switch flipped.
            if payload not in MUTE_PAYLOADS:
                ignored.warning("Ignored mute payload %r (expected ON or OFF)", payload[:20])
                return
            text = payload.decode("ascii")
            self.muted = text == "ON"
            on_mute(self.muted)
            self._send(self.topics.mute_state, text, retain=True)

        def command(topic: str, payload: bytes) -> None:
            # Checked here, on the network thread, before it takes a place in the queue: what Home
            # Assistant's text entity cannot send (over 255 characters, control characters, not UTF-8)
            # is nobody's command, and a flood of it must not crowd out the real ones.
            try:
                text = payload.decode("utf-8").strip() if len(payload) <= 4 * MAX_STATE else None
            except UnicodeDecodeError:
                text = None
            if text is None or len(text) > MAX_STATE or not text.isprintable():
                ignored.warning("Ignored command on %s: not a line of text of at most %d characters", topic,
                                MAX_STATE)
                return
            if text:
                on_command(text)

        def status(topic: str, payload: bytes) -> None:
            if payload.strip() == b"online":
                self.announce()

        self.link.subscribe(self.topics.mute_set, mute)
        self.link.subscribe(self.topics.command, command)
        self.link.subscribe(self.status_topic, status)

    def _send(self, topic: str, payload: str, retain: bool = False) -> None:
        """Fire and forget: may run on the network thread, and a state update is never worth a wait."""
        if not self.link.connected:
            return
        try:
            self.link.publish(topic, payload, retain=retain, wait=False)
        except MqttError as err:
            _LOGGER.warning("Not published to %s: %s", topic, err)

    def announce(self) -> None:
        """Publish the discovery config, availability and current values."""
        config = discovery_config(self.site, self.topics, self.intents())
        self._send(self.config_topic, json.dumps(config), retain=True)
        self._send(self.topics.availability, "online", retain=True)
        self._send(self.topics.mute_state, "ON" if self.muted else "OFF", retain=True)
        self._send(self.topics.state, self._state, retain=True)

    def pipeline_state(self, state: str) -> None:
        """idle, listening, thinking or speaking."""
        self._state = state
        self._send(self.topics.state, state, retain=True)

    def utterance(self, transcript: str, intent: str | None) -> None:
        """The last transcript and intent."""
        if self.share_transcript:
            self._send(self.topics.transcript, transcript[:MAX_STATE], retain=True)
        self._send(self.topics.last_intent, (intent or "none")[:MAX_STATE], retain=True)

    def withdraw(self) -> None:
        """Say offline before a clean shutdown (the last will only covers crashes)."""
        if self.link.connected:
            try:
                self.link.publish(self.topics.availability, "offline", retain=True)
            except MqttError as err:
                _LOGGER.warning("Could not say offline: %s", err)
