"""Everything Hearth does on the home's broker besides sending commands.

:func:`connect_home` wires one assistant to one MQTT link: live state from
the entities' state topics, the registry from Home Assistant's discovery
configs, Hearth announced as a device (state, transcript, intent, mute,
typed commands) and, when enabled, the Hermes protocol. Call it before the
link starts, so the last will is in place on the first connection.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Callable, Optional

from app.broker.commands import CommandIntake
from app.broker.ha_device import HomeAssistantDevice
from app.config import Settings
from app.core.assistant import Assistant
from app.core.outcome import Outcome
from devices.discovery_listener import DiscoveryListener
from devices.ha_api import HomeAssistantApiSettings
from devices.ha_assist import AssistShaper, ViewKeeper
from devices.mqtt import MqttLink
from devices.registry import Home
from devices.state_listener import StateFollower
from intents.hermes import (
    SAY_TOPIC,
    SayRequest,
    intent_message,
    parse_say,
    say_finished,
)

_LOGGER = logging.getLogger(__name__)


@dataclass
class Callbacks:
    """What the rest of Hearth does when the broker asks for something."""

    speak: Optional[Callable[[str, Callable[[], None]], None]] = None
    """Say a text (Hermes ``tts/say``), then call the second argument; None: nothing to speak with."""
    mute: Optional[Callable[[bool], None]] = None
    """The mute switch was turned on or off."""
    on_outcome: Optional[Callable[[Outcome], None]] = None
    """A typed command from Home Assistant was handled."""


@dataclass
class HomeConnection:
    """The parts attached to the link; kept for tests and shutdown."""

    follower: StateFollower
    """Keeps entity states current."""
    discovery: Optional[DiscoveryListener] = None
    """Imports devices from discovery configs (None: disabled)."""
    device: Optional[HomeAssistantDevice] = None
    """Hearth as a Home Assistant device (None: not announced)."""
    commands: Optional[CommandIntake] = None
    """Typed commands from Home Assistant, handled off the network thread (None: not announced)."""
    assistant: Optional[Assistant] = None
    """The assistant the discovered homes are offered to."""
    keeper: Optional[ViewKeeper] = None
    """Keeps Home Assistant's view of the home current (None: no API link)."""

    def close(self) -> None:
        """Stop the command worker and say offline."""
        if self.commands is not None:
            self.commands.close()
        if self.keeper is not None:
            self.keeper.stop()
        if self.device is not None:
            self.device.withdraw()


def _hermes(link: MqttLink, assistant: Assistant, site: str,
            speak: Optional[Callable[[str, Callable[[], None]], None]]) -> None:
    def publish_intent(outcome: Outcome, where: str) -> None:
        if link.connected:
            topic, payload = intent_message(outcome.text, outcome.decision, where, uuid.uuid4().hex)
            link.publish(topic, payload, wait=False)

    def say(topic: str, payload: bytes) -> None:
        try:
            request: SayRequest = parse_say(payload, site)
        except (ValueError, UnicodeDecodeError) as err:
            _LOGGER.warning("Ignored hermes/tts/say: %s", err)
            return
        if request.site != site or speak is None:
            return  # another site's, or nothing to speak with
        # sayFinished once it has been said, not when it was handed over (Hermes' own order).
        speak(request.text, lambda: link.publish(*say_finished(request), wait=False))

    assistant.observers.append(publish_intent)
    link.subscribe(SAY_TOPIC, say)


def connect_home(assistant: Assistant, link: MqttLink, settings: Settings, site: str,
                 callbacks: Callbacks = Callbacks(), announce: bool = True,
                 side_link: Optional[MqttLink] = None) -> HomeConnection:
    """Attach live state, discovery, Hearth's device and Hermes to ``link`` (before it starts).
    ``announce=False`` for one-shot commands, which should not appear as a device. ``side_link``:
    a connection of its own for discovery configs and entity states, so that thousands of them (a
    broker's retained configs at start-up, a chatty or hostile device) never stand in the same stream
    before a typed command and the acknowledgements of what it sends; None: ``link``."""
    follower = StateFollower(side_link or link, assistant.states)
    follower.follow(assistant.home)
    connection = HomeConnection(follower, assistant=assistant)
    ha = settings.homeassistant
    shape = _assist_view(assistant, connection, ha.api)
    if ha.import_devices:
        def changed(home: Home) -> None:
            assistant.offer_home(shape(home))
            follower.follow(home)

        connection.discovery = DiscoveryListener(assistant.home, changed, ha.discovery_prefix)
        connection.discovery.start(side_link or link)
    if ha.announce and announce:
        device = HomeAssistantDevice(link, site, settings.mqtt.topic_prefix, ha.discovery_prefix, ha.share_transcript,
                                     lambda: tuple(assistant.sentences.recognizer.intents.intents))
        assistant.on_sentences.append(device.announce)  # the event entity's types follow the user's files
        connection.device = device
        connection.commands = CommandIntake(assistant, link, site, device.topics.reply, callbacks.on_outcome).start()
        device.start(callbacks.mute or (lambda muted: None), connection.commands.put)
        assistant.observers.append(lambda outcome, where: device.utterance(outcome.text, outcome.decision.intent))
        link.when_connected(device.announce)
    if settings.hermes.enabled:
        _hermes(link, assistant, site, callbacks.speak)
    return connection


def _assist_view(assistant: Assistant, connection: HomeConnection,
                 api: HomeAssistantApiSettings) -> Callable[[Home], Home]:
    """How each home is shaped before it is used: as Home Assistant's Assist knows it (names, aliases,
    areas; only what is exposed to Assist) where the API link is on, else as it is. The first read is
    made before discovery starts, so no moment exists where an unexposed device could be acted on."""
    if not api.enabled:
        return lambda home: home
    base = assistant.home
    keeper = ViewKeeper(api)
    shape = AssistShaper(keeper, {e.id for e in base.entities})
    keeper.on_view = lambda view: assistant.offer_home(
        shape(connection.discovery.home() if connection.discovery is not None else base))
    connection.keeper = keeper
    keeper.start()
    assistant.offer_home(shape(base))
    assistant.wait_for_home()  # the first utterance meets the home as Assist knows it, never the raw one
    return shape


def wait_for_discovery(connection: HomeConnection, quiet: float = 0.3, limit: float = 3.0) -> None:
    """For one-shot commands: give the broker's retained configs a moment to arrive."""
    if connection.discovery is not None:
        connection.discovery.settle(quiet, limit)
    if connection.assistant is not None:  # and for the home they make to be built
        connection.assistant.wait_for_home()

