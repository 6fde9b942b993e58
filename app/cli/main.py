"""The ``hearth`` command line: ask, eval, teach, demo, run, bench, say, check, service, satellite, hub.

Exit status: 0 done, 1 the command ran but failed (not understood, devices
unreachable), 2 unusable input (configuration, home file, case file, text).
Every error is one line on stderr; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Optional, Sequence, TextIO

from app.audio.inputs import AudioError
from app.bench.bench import add_arguments as add_bench_arguments
from app.bench.bench import bench as run_bench
from app.bench.bench import table as bench_table
from app.bench.bench import write_outputs as write_bench_outputs
from app.bench.satellites import BenchError, bench_satellites, satellite_table
from app.broker.connections import connect_home, wait_for_discovery
from app.cli.check import check as run_checks
from app.cli.evaluate import CaseError, case_language, evaluate, load_cases
from app.cli.remote import add_hub_arguments, add_satellite_arguments
from app.cli.remote import hub as run_hub
from app.cli.remote import satellite as run_satellite
from app.cli.run import add_arguments as add_run_arguments
from app.cli.run import add_say_arguments
from app.cli.run import run as run_loop
from app.cli.run import say as say_text
from app.cli.service import ServiceError
from app.cli.service import add_arguments as add_service_arguments
from app.cli.service import install as service_install
from app.cli.service import uninstall as service_uninstall
from app.cli.teach import add_teach_arguments, cmd_teach
from app.cli.wyoming import add_arguments as add_wyoming_arguments
from app.cli.wyoming import wyoming as run_wyoming
from app.config import ConfigError, Settings, default_config_path, load_settings
from app.core.assistant import Assistant, load_home
from app.core.failure import InputError
from app.stt.speech_to_text import SpeechToText
from app.wyoming.server import WyomingError
from devices.mqtt import MqttError, MqttLink
from devices.registry import RegistryError
from intents.templates import TemplateLanguageError
from models import ModelError

_LOGGER = logging.getLogger("hearth")

USAGE_ERRORS = (BenchError, ServiceError, ConfigError, RegistryError, CaseError, InputError, TemplateLanguageError, ModelError, AudioError,
                WyomingError)


def _common(parser: argparse.ArgumentParser, default: object) -> None:
    """Options accepted before and after the command (``hearth eval --home F``)."""
    parser.add_argument("--config", default=default, help="configuration file (default: $HEARTH_CONFIG, then ./config.yaml)")
    parser.add_argument("--home", default=default, help="home file in Home Assistant's test-fixture format")
    parser.add_argument("--language", default=default,
                        help="language of understanding, speech and replies (en, zh-cn; default: intents.language)")
    parser.add_argument("-v", "--verbose", action="count", default=0 if default is None else default,
                        help="more logging (-vv for debug)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hearth", description="Hearth: a private voice assistant for the home.")
    _common(parser, None)
    common = argparse.ArgumentParser(add_help=False)
    _common(common, argparse.SUPPRESS)  # SUPPRESS: don't overwrite what came before the command
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", parents=[common], help="understand a typed command, act over MQTT, print the reply")
    ask.add_argument("text", help='what you would say, e.g. "turn on the kitchen lights"')
    ask.add_argument("--site", help="site (device) that heard it; its area is what 'in here' means")
    ask.add_argument("--dry-run", action="store_true", help="decide and reply but send nothing")
    ask.add_argument("--yes", action="store_true", help="confirm a sensitive action (unlock, open the garage) now")

    ev = sub.add_parser("eval", parents=[common], help="run case files through the pipeline; JSON lines out (no MQTT)")
    ev.add_argument("cases", nargs="+", help="case files (shared/eval format or Home Assistant intent tests)")
    ev.add_argument("--json", dest="json_out", default="-", help="where to write JSON lines (default: stdout)")

    sub.add_parser("demo", parents=[common], help="run sample commands against a simulated home (embedded broker if none configured)")

    bench = sub.add_parser("bench", parents=[common], help="measure latency, accuracy, memory and idle CPU of the speech chain")
    add_bench_arguments(bench)

    say = sub.add_parser("say", parents=[common], help="speak a text with the configured voice")
    add_say_arguments(say)

    teach = sub.add_parser("teach", parents=[common], help='teach a phrase of your own: hearth teach "movie time" scene.cinema')
    add_teach_arguments(teach)

    sub.add_parser("check", parents=[common], help="check config, models, broker and audio devices, one line each")
    service = sub.add_parser("service", parents=[common], help="install or uninstall the systemd service")
    add_service_arguments(service)

    run = sub.add_parser("run", parents=[common], help="listen and act: wake word, speech-to-text, intent, action, reply")
    add_run_arguments(run)

    satellite = sub.add_parser("satellite", parents=[common], help="wake word and end-pointing here; the hub answers over MQTT")
    add_satellite_arguments(satellite)
    hub = sub.add_parser("hub", parents=[common], help="answer the utterances satellites send over MQTT")
    add_hub_arguments(hub)
    wyoming = sub.add_parser("wyoming", parents=[common], help="serve Home Assistant's Assist over the Wyoming protocol")
    add_wyoming_arguments(wyoming)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    path: Optional[Path] = Path(args.config) if args.config else default_config_path()
    settings = load_settings(path)
    return settings.with_language(args.language) if args.language else settings


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    home = load_home(settings, args.home)
    with ExitStack() as stack:
        link = MqttLink(settings.mqtt, settings.client_id(f"ask-{os.getpid()}")) if settings.mqtt.host else None
        if link is None and not args.dry_run:
            _LOGGER.warning("No MQTT broker configured (mqtt.host): nothing will be sent")
        assistant = Assistant(settings, home, link)
        if link is not None:  # a dry run reads the broker's discovered home too, and sends nothing
            connection = connect_home(assistant, link, settings, args.site or settings.site, announce=False)
            try:
                link.connect()
            except MqttError as err:
                if not args.dry_run:
                    raise
                _LOGGER.warning("%s: the dry run uses the configured home only", err)
            else:
                stack.callback(link.close)
                wait_for_discovery(connection)
        outcome = assistant.handle(args.text, site=args.site, dry_run=args.dry_run, confirmed=args.yes)
        print(outcome.reply)
        for message in outcome.messages:
            _LOGGER.info("sent %s %s", message.topic, message.payload)
        return outcome.exit_code


def _open_out(path: str, stack: ExitStack) -> TextIO:
    if path == "-":
        return sys.stdout
    try:
        return stack.enter_context(open(path, "w", encoding="utf-8"))
    except OSError as err:
        raise CaseError(f"{path}: cannot write results: {err.strerror}") from None


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    languages = {language for path in args.cases if (language := case_language(path))}
    if len(languages) > 1:
        raise CaseError(f"case files in several languages ({', '.join(sorted(languages))}): one language a run")
    if languages and not args.language:  # a case file says its language, unless --language overrides it
        settings = settings.with_language(languages.pop())
    home = load_home(settings, args.home)
    cases = [case for path in args.cases for case in load_cases(path)]
    stt = SpeechToText(settings.stt, settings.intents.language).load() if any(case.audio for case in cases) else None
    assistant = Assistant(settings, home, stt=stt)
    with ExitStack() as stack:
        summary = evaluate(assistant, cases, _open_out(args.json_out, stack))
    report = sys.stderr if args.json_out == "-" else sys.stdout
    print(f"{summary.cases} cases, {summary.scored} with expectations", file=report)
    if summary.scored:
        print(summary.table(), file=report)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli.demo import (
        run_demo,  # the embedded broker is only imported for the demo
    )

    return run_demo(settings)


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.speak_cases:
        from app.bench.clips import DEFAULT_VOICES, write_audio_cases

        if not args.cases:
            raise CaseError("--speak-cases needs --cases: the text cases to speak")
        for path in args.cases:
            voice = args.voice or DEFAULT_VOICES.get(settings.intents.language, "piper")
            print(write_audio_cases(Path(path), Path(args.speak_cases), voice, args.snr))
        return 0
    if args.faults:
        from app.bench.faults import bench_faults, faults_table

        figures = bench_faults()
        print(faults_table(figures))
        write_bench_outputs(figures, args.json_out, None)
        return 0
    if args.timers or args.wyoming or args.corrections:
        return _bench_services(args, settings)
    if args.satellites > 0:
        figures = bench_satellites(settings, args.satellites, max(1, args.rounds), max(1, args.hubs))
        print(satellite_table(figures))
        write_bench_outputs(figures, args.json_out, None)
        return 0
    report = run_bench(args, settings)
    print(bench_table(report))
    write_bench_outputs(report, args.json_out, args.png)
    return 0


def _bench_services(args: argparse.Namespace, settings: Settings) -> int:
    """``hearth bench --timers``, ``--wyoming`` or ``--corrections``, on the demo home unless one is given."""
    from app.bench.bench import command_texts
    from app.bench.clips import DEFAULT_VOICES
    from app.bench.corrections import bench_corrections, corrections_table
    from app.bench.timers import bench_timers, timers_table
    from app.bench.wyoming import bench_wyoming, wyoming_table
    from app.cli.demo import demo_home

    home = load_home(settings, args.home) if args.home or settings.home_file else demo_home(settings.intents.language)
    if args.timers:
        figures = bench_timers(settings, home)
        print(timers_table(figures))
    elif args.corrections:
        if not args.cases:
            raise CaseError("--corrections needs --cases: the text cases to speak and correct")
        cases = [case for path in args.cases for case in load_cases(path)]
        voice = args.voice or DEFAULT_VOICES.get(settings.intents.language, "piper")
        figures = bench_corrections(settings, home, cases, voice, args.other_voice)
        print(corrections_table(figures))
    else:
        typed = Assistant(settings.model_copy(update={"intents": settings.intents.model_copy(
            update={"stage": "templates"})}), home)
        texts = [text for text, _, _ in command_texts(typed, args.cases, args.limit)]
        replies = sorted({typed.handle(text, dry_run=True).reply for text in texts})[:12]
        figures = bench_wyoming(settings, home, texts, replies)
        print(wyoming_table(figures))
    write_bench_outputs(figures, args.json_out, None)
    return 0


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    return say_text(args, settings)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    return run_checks(args, settings)


def cmd_service(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.config) if args.config else default_config_path()
    done = service_install(args, path) if args.action == "install" else service_uninstall(args)
    for line in done:
        print(line)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    return run_loop(args, settings)


def cmd_satellite(args: argparse.Namespace, settings: Settings) -> int:
    return run_satellite(args, settings)


def cmd_hub(args: argparse.Namespace, settings: Settings) -> int:
    return run_hub(args, settings)


def cmd_wyoming(args: argparse.Namespace, settings: Settings) -> int:
    return run_wyoming(args, settings)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``hearth`` console script."""
    args = _parser().parse_args(argv)
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    commands = {"ask": cmd_ask, "eval": cmd_eval, "demo": cmd_demo, "run": cmd_run, "bench": cmd_bench, "say": cmd_say, "check": cmd_check, "teach": cmd_teach,
                "service": cmd_service, "satellite": cmd_satellite, "hub": cmd_hub, "wyoming": cmd_wyoming}
    try:
        settings = _settings(args)
        return commands[args.command](args, settings)
    except USAGE_ERRORS as err:
        print(f"hearth: {err}", file=sys.stderr)
        return 2
    except MqttError as err:
        print(f"hearth: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
