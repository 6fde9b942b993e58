"""``hearth check``: is everything in place? One line per item, problems first-class."""

from __future__ import annotations

import argparse
import os
import time
from typing import Callable

from app.config import Settings
from app.core.assistant import load_home
from app.listen.wake import WakeWordDetector
from app.speak.tts import TextToSpeech
from app.stt.speech_to_text import SpeechToText
from devices.discovery_listener import DiscoveryListener
from devices.mqtt import MqttError, MqttLink
from devices.registry import Home
from intents.custom import merge_custom
from intents.templates import load_language
from models.embedding import Embedder
from models.mandarin import LICENCE_NOTE, ZhttsVoice


def _timed(load: Callable[[], object]) -> float:
    start = time.perf_counter()
    load()
    return time.perf_counter() - start


def _audio_devices() -> list[tuple[str, str]]:
    try:
        import sounddevice
    except OSError as err:
        return [("audio", f"PROBLEM no audio system: {err} (install libportaudio2)")]
    try:
        devices = sounddevice.query_devices()
    except sounddevice.PortAudioError as err:
        return [("audio", f"PROBLEM {err}")]
    inputs = [d["name"] for d in devices if d["max_input_channels"] > 0]
    outputs = [d["name"] for d in devices if d["max_output_channels"] > 0]
    return [("microphone", ", ".join(inputs) if inputs else "PROBLEM no input device (use --wav or --stdin)"),
            ("speaker", ", ".join(outputs) if outputs else "PROBLEM no output device (use --output-wav)")]


def checks(args: argparse.Namespace, settings: Settings) -> list[tuple[str, str]]:
    """(item, result) pairs; a result starting with PROBLEM is one."""

    def home() -> str:
        found = load_home(settings, args.home)
        return f"ok ({len(found.entities)} entities, {len(found.areas)} areas)"

    def speech_to_text() -> str:
        return f"ok (loaded in {_timed(SpeechToText(settings.stt, settings.intents.language).load):.1f} s)"

    def voice() -> str:
        tts = TextToSpeech(settings.tts, settings.intents.language)
        seconds = _timed(tts.load)
        note = f"; {LICENCE_NOTE}" if isinstance(tts.voice, ZhttsVoice) else ""
        return f"ok ({type(tts.voice).__name__}, loaded in {seconds:.1f} s{note})"

    def custom_sentences() -> str:
        folder, language = settings.intents.custom_sentences, settings.intents.language
        if folder is None:
            return "none (intents.custom_sentences)"
        custom = merge_custom(load_language(language), folder, language)
        if custom.errors:
            return "PROBLEM " + " | ".join(custom.errors)
        return f"ok ({len(custom.intents)} intents of your own: {', '.join(custom.intents) or 'none'})"

    def meaning() -> str:
        if not settings.llm.meaning_devices:
            return "off (llm.meaning_devices: 0)"
        return f"ok (multilingual-e5-small, loaded in {_timed(Embedder().load):.2f} s)"

    def wake_word() -> str:
        return f"ok ({WakeWordDetector(settings.wake.model, settings.wake.threshold).phrase})"

    results: list[tuple[str, str]] = [("config", "ok")]
    items: list[tuple[str, Callable[[], str]]] = [
        ("home", home), ("sentences", custom_sentences), ("speech-to-text", speech_to_text), ("voice", voice),
        ("meaning", meaning), ("wake word", wake_word)]
    for name, run in items:
        try:
            results.append((name, run()))
        except Exception as err:  # every kind of failure is reported, one line each
            results.append((name, f"PROBLEM {err}"))
    if settings.mqtt.host:
        try:
            with MqttLink(settings.mqtt, settings.client_id(f"check-{os.getpid()}")) as link:
                results.append(("broker", f"ok ({settings.mqtt.host}:{settings.mqtt.port})"))
                if settings.homeassistant.import_devices:
                    results.append(("discovered", _discovered(link, settings)))
        except MqttError as err:
            results.append(("broker", f"PROBLEM {err}"))
    else:
        results.append(("broker", "not configured (mqtt.host): commands are not sent"))
    return results + _audio_devices()


def _discovered(link: MqttLink, settings: Settings) -> str:
    """What the broker's discovery configs add to the home, as a running Hearth would take them up."""
    listener = DiscoveryListener(Home(), lambda home: None, settings.homeassistant.discovery_prefix)
    listener.start(link)
    listener.settle(0.3, 3.0)
    found = listener.home()
    return f"ok ({len(found.entities)} entities, {len(found.areas)} areas from {listener.prefix}/)"


def check(args: argparse.Namespace, settings: Settings) -> int:
    """Print the checks; exit status 1 when any is a problem."""
    results = checks(args, settings)
    for name, result in results:
        print(f"{name:<15} {result}")
    return 1 if any(result.startswith("PROBLEM") for _, result in results) else 0
