"""``hearth run``: the live service loop, from a microphone, a WAV file or stdin."""

from __future__ import annotations

import argparse
import io
import logging
import sys
from contextlib import ExitStack
from typing import Iterator, Optional

from app.audio.inputs import (
    AudioError,
    frames,
    microphone_frames,
    read_wav,
    stream_frames,
)
from app.audio.outputs import AudioSink, NullSink, SpeakerSink, WavSink
from app.broker.connections import Callbacks, connect_home
from app.cli.service import Watchdog, notify
from app.config import Settings
from app.core.assistant import Assistant, load_home
from app.core.outcome import Outcome
from app.listen.session import SessionSettings
from app.listen.vad import EndPointer
from app.listen.wake import WakeWordDetector
from app.serve.lists import serve_lists
from app.serve.loop import VoiceLoop, VoiceSettings
from app.serve.timers import serve_timers
from app.speak.speaker import Speaker, fixed_replies
from app.speak.tts import TextToSpeech
from app.stt.speech_to_text import SpeechToText
from app.web.serve import serve_page
from app.wyoming.beside import serve_beside
from devices.mqtt import MqttLink
from devices.registry import Home
from models import ModelError

_LOGGER = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hearth run``."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--wav", help="read audio from a 16 kHz mono 16-bit WAV file instead of the microphone")
    source.add_argument("--stdin", action="store_true", help="read raw 16 kHz mono 16-bit PCM from stdin")
    parser.add_argument("--no-wake", action="store_true", help="no wake word: every utterance is a command")
    parser.add_argument("--output-wav", help="write replies and tones to this WAV file instead of the speaker")
    parser.add_argument("--site", help="site whose area 'in here' means")
    parser.add_argument("--dry-run", action="store_true", help="decide and reply but send nothing over MQTT")


def audio_source(args: argparse.Namespace, settings: Settings) -> Iterator[bytes]:
    """``--wav``, ``--stdin`` or the microphone, as 10 ms frames."""
    if args.wav:
        return frames(read_wav(args.wav))
    if args.stdin:
        return stream_frames(sys.stdin.buffer)
    return microphone_frames(settings.audio.input_device)


def configured_endpointer(settings: Settings) -> EndPointer:
    """The end-pointer with the ``vad:`` settings."""
    return EndPointer(settings.vad)


def output_sink(args: argparse.Namespace, settings: Settings) -> AudioSink:
    """``--output-wav`` if given, else the speaker, else nothing (replies are printed)."""
    if args.output_wav:
        return WavSink(args.output_wav)
    try:
        return SpeakerSink(settings.audio.output_device)
    except AudioError as err:
        _LOGGER.warning("%s: replies are printed only", err)
        return NullSink()


def load_assistant(settings: Settings, home: Home, link: Optional[MqttLink]) -> Assistant:
    """The assistant with every model loaded: speech-to-text, and the LLM stage now rather than at the
    first utterance the templates miss (`hearth run` and `hearth hub`)."""
    assistant = Assistant(settings, home, link, SpeechToText(settings.stt, settings.intents.language).load())
    assistant.llm_stage()
    return assistant


def load_speaker(settings: Settings, sink: AudioSink, assistant: Assistant) -> Optional[Speaker]:
    """The configured voice with the common replies cached; None (said once) when it cannot load."""
    try:
        tts = TextToSpeech(settings.tts, settings.intents.language).load()
    except ModelError as err:
        _LOGGER.error("%s: replies are printed only", err)
        return None
    speaker = Speaker(tts, sink)
    speaker.warm(fixed_replies(assistant.responder.templates, assistant.vocab))
    return speaker


def _report(outcome: Outcome) -> None:
    print(f'"{outcome.text}" -> {outcome.decision.intent or "nothing"}: {outcome.reply}', flush=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run until the audio source ends (file, stdin) or Ctrl-C."""
    home = load_home(settings, args.home)
    source = audio_source(args, settings)  # a missing device or bad WAV fails here, before models load
    use_wake = settings.wake.enabled and not args.no_wake
    wake = WakeWordDetector(settings.wake.model, settings.wake.threshold) if use_wake else None
    endpointer = configured_endpointer(settings)
    with ExitStack() as stack:
        # Persistent: typed commands sent while the link is down wait at the broker, not lost.
        link = (MqttLink(settings.mqtt, settings.client_id("run"), persistent=True)
                if settings.mqtt.host and not args.dry_run else None)
        assistant = load_assistant(settings, home, link)
        sink = output_sink(args, settings)
        stack.callback(sink.close)
        loop = VoiceLoop(assistant, endpointer, wake, load_speaker(settings, sink, assistant), sink,
                         VoiceSettings(site=args.site, dry_run=args.dry_run, wait_for_replies=bool(args.wav),
                                       follow_up_seconds=settings.conversation.follow_up_seconds,
                                       listening=SessionSettings(not use_wake, settings.audio.feedback_sounds)),
                         _report)
        timers = serve_timers(assistant, lambda site, text: loop.announce(text), link, (args.site or settings.site,))
        stack.callback(timers.start().stop)
        serve_lists(assistant, link, (args.site or settings.site,))
        serve_beside(assistant, settings, loop.speaker.tts if loop.speaker is not None else None, stack)
        serve_page(assistant, settings, stack, link)
        if link is not None:
            _connect(link, assistant, loop, settings, args.site or settings.site, stack)
        _LOGGER.info("Listening (%s)", f"wake word: {wake.phrase}" if wake else "no wake word")
        notify("READY=1")
        loop.run(_watched(source, Watchdog()))
        notify("STOPPING=1")
    return 0


def _connect(link: MqttLink, assistant: Assistant, loop: VoiceLoop, settings: Settings, site: str,
             stack: ExitStack) -> None:
    """Live state, discovery, Home Assistant's device, Hermes and push-to-talk; then start the link.
    It starts even while the broker is down: commands meanwhile are reported as failed."""
    session = loop.session  # everything from the network thread reaches the frame thread as a request
    # Discovery configs and states (retained: sent again on connect) over a connection of their own.
    side = MqttLink(settings.mqtt, settings.client_id("run-discovery"))
    connection = connect_home(assistant, link, settings, site, Callbacks(speak=loop.say, mute=session.set_muted,
                                                                          on_outcome=_report), side_link=side)
    if connection.device is not None:
        device = connection.device
        session.on_state = lambda state: device.pipeline_state(state.value)
    link.subscribe(f"{settings.mqtt.topic_prefix}/{site}/listen", lambda topic, payload: session.push_to_talk())
    link.start()
    side.start()
    stack.callback(link.close)
    stack.callback(side.close)
    stack.callback(connection.close)


def _watched(source: Iterator[bytes], watchdog: Watchdog) -> Iterator[bytes]:
    """Frames, pinging systemd's watchdog as they flow: a stalled loop stops the pings."""
    for frame in source:
        watchdog.tick()
        yield frame


def add_say_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hearth say``."""
    parser.add_argument("text", help="what to say")
    parser.add_argument("--output-wav", help="write a WAV file instead of playing it ('-' for stdout)")


def say(args: argparse.Namespace, settings: Settings) -> int:
    """Speak a text with the configured voice: speaker, WAV file, or WAV on stdout."""
    tts = TextToSpeech(settings.tts, settings.intents.language).load()
    # A WAV header records the length, so stdout (a pipe) gets the file in one piece.
    memory = io.BytesIO() if args.output_wav == "-" else None
    if memory is not None:
        sink: AudioSink = WavSink(memory)
    elif args.output_wav:
        sink = WavSink(args.output_wav)
    else:
        sink = SpeakerSink(settings.audio.output_device)  # no speaker: a clear error, exit 2
    speaker = Speaker(tts, sink)
    speaker.say(args.text)
    speaker.wait()
    sink.close()
    if memory is not None:
        sys.stdout.buffer.write(memory.getvalue())
        sys.stdout.buffer.flush()
    return 0
