"""``hearth wyoming``: Hearth's speech-to-text, voice and understanding as Wyoming services for Home Assistant."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from contextlib import ExitStack
from typing import Optional

from app.broker.connections import connect_home, wait_for_discovery
from app.cli.run import load_assistant
from app.cli.service import notify
from app.config import Settings
from app.core.assistant import load_home
from app.speak.tts import TextToSpeech
from app.wyoming.server import WyomingServer
from app.wyoming.services import Services
from devices.mqtt import MqttLink
from models import ModelError

_LOGGER = logging.getLogger(__name__)

#: How long start-up waits for the broker before serving with the configured home only.
_READY_WAIT_SECONDS = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hearth wyoming``."""
    parser.add_argument("--uri", help="where to listen (default: wyoming.uri, tcp://0.0.0.0:10300)")
    parser.add_argument("--no-zeroconf", action="store_true", help="do not announce the server on the LAN")
    parser.add_argument("--understanding", choices=("handled", "intent"),
                        help="handled: Hearth acts, Home Assistant speaks; intent: Home Assistant acts")


def _voice(settings: Settings) -> Optional[TextToSpeech]:
    try:
        return TextToSpeech(settings.tts, settings.intents.language).load()
    except ModelError as err:
        _LOGGER.error("%s: no TTS service offered", err)
        return None


def wyoming(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until SIGTERM or Ctrl-C."""
    updates = {key: value for key, value in (("uri", args.uri), ("understanding", args.understanding)) if value}
    if args.no_zeroconf:
        updates["zeroconf"] = False
    settings = settings.model_copy(update={"wyoming": settings.wyoming.model_copy(update=updates)})
    with ExitStack() as stack:
        link = MqttLink(settings.mqtt, settings.client_id("wyoming")) if settings.mqtt.host else None
        assistant = load_assistant(settings, load_home(settings, args.home), link)
        if link is not None:  # live state for questions, discovery, and the broker for handled commands
            connection = connect_home(assistant, link, settings, settings.wyoming.site or settings.site, announce=False)
            link.start()
            stack.callback(link.close)
            stack.callback(connection.close)
            # "Ready" means ready: a request before the discovered home is built would meet an empty home.
            if link.wait_connected(_READY_WAIT_SECONDS):
                wait_for_discovery(connection)
            else:
                _LOGGER.warning("Broker not reachable yet: serving with the configured home only")
        server = WyomingServer(Services(assistant, _voice(settings), settings.wyoming))
        asyncio.run(_serve(server))
    return 0


async def _serve(server: WyomingServer) -> None:
    address = await server.start()
    print(f"wyoming ready on {address}", flush=True)
    notify("READY=1")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    serving = asyncio.create_task(server.serve_forever())
    try:
        await stop.wait()
    finally:
        serving.cancel()
        await server.close()
