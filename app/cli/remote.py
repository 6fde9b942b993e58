"""``hearth satellite`` and ``hearth hub``: one house, several rooms, one or more hubs."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
from contextlib import ExitStack

from app.audio.outputs import NullSink
from app.broker.connections import connect_home
from app.cli.run import (
    audio_source,
    configured_endpointer,
    load_assistant,
    load_speaker,
    output_sink,
)
from app.cli.service import notify
from app.config import Settings
from app.core.assistant import load_home
from app.listen.session import SessionSettings
from app.listen.wake import WakeWordDetector
from app.serve.hub import Hub
from app.serve.lists import serve_lists
from app.serve.satellite import Exchange, Satellite, SatelliteSettings
from app.serve.timers import serve_timers
from app.web.serve import serve_page
from app.wyoming.beside import serve_beside
from devices.mqtt import MqttError, MqttLink
from intents.vocabulary import vocabulary

_LOGGER = logging.getLogger(__name__)


def add_satellite_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hearth satellite``."""
    parser.add_argument("--site", required=True, help="this satellite's site (map it to an area under `sites:`)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--wav", help="read audio from a 16 kHz mono 16-bit WAV file instead of the microphone")
    source.add_argument("--stdin", action="store_true", help="read raw 16 kHz mono 16-bit PCM from stdin")
    parser.add_argument("--no-wake", action="store_true", help="no wake word: every utterance is sent")
    parser.add_argument("--output-wav", help="write replies to this WAV file instead of the speaker")
    parser.add_argument("--json", action="store_true", help="print one JSON line per utterance (with timings)")


def add_hub_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hearth hub``."""
    parser.add_argument("--group", help="share satellites' utterances with the other hubs of this group "
                                        "(MQTT 5 shared subscription)")


def _print_exchange(exchange: Exchange, site: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps(exchange.report(site)), flush=True)
    else:
        print(exchange.text or "(no reply from the hub)", flush=True)


def satellite(args: argparse.Namespace, settings: Settings) -> int:
    """Run a satellite until its audio source ends (file, stdin) or Ctrl-C."""
    source = audio_source(args, settings)
    use_wake = settings.wake.enabled and not args.no_wake
    wake = WakeWordDetector(settings.wake.model, settings.wake.threshold) if use_wake else None
    link = MqttLink(settings.mqtt, f"{settings.mqtt.client_id or 'hearth'}-satellite-{args.site}")
    with ExitStack() as stack:
        link.connect()
        stack.callback(link.close)
        sink = output_sink(args, settings)
        stack.callback(sink.close)
        config = SatelliteSettings(args.site, settings.mqtt.topic_prefix,
                                   SessionSettings(not use_wake, settings.audio.feedback_sounds),
                                   vocabulary(settings.intents.language).replies["hub_unreachable"],
                                   follow_up_seconds=settings.conversation.follow_up_seconds)
        node = Satellite(link, config, configured_endpointer(settings), wake, sink,
                         lambda exchange: _print_exchange(exchange, args.site, args.json))
        node.start()
        notify("READY=1")
        node.run(source)
    return 0


def hub(args: argparse.Namespace, settings: Settings) -> int:
    """Serve satellites until SIGTERM or Ctrl-C."""
    mqtt = settings.mqtt.model_copy(update={"protocol": "5"}) if args.group else settings.mqtt
    if not mqtt.host:
        raise MqttError("a hub needs a broker: set mqtt.host")
    # Hubs of one group run side by side: each needs its own client id.
    link = MqttLink(mqtt, settings.client_id(f"hub-{os.getpid()}"))
    assistant = load_assistant(settings, load_home(settings, args.home), link)
    speaker = load_speaker(settings, NullSink(), assistant)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ExitStack() as stack:
        connection = connect_home(assistant, link, settings, settings.site, announce=False)
        server = Hub(assistant, speaker, link, settings.mqtt.topic_prefix, args.group)
        timers = serve_timers(assistant, server.announce, link, tuple(settings.sites)).start()
        stack.callback(timers.stop)
        serve_lists(assistant, link, tuple(settings.sites))
        serve_beside(assistant, settings, speaker.tts if speaker is not None else None, stack)
        serve_page(assistant, settings, stack, link)
        server.start()
        link.start()
        stack.callback(link.close)
        stack.callback(connection.close)
        stack.callback(server.stop)
        _LOGGER.info("Hub ready%s", f" (group {args.group})" if args.group else "")
        print("hub ready", flush=True)
        notify("READY=1")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    print(f"hub served {server.served} utterances, ignored {server.rejected} malformed messages", flush=True)
    return 0
