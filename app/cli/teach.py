"""``hearth teach``: the home's own phrases, kept on the device.

``hearth teach "movie time" scene.cinema`` (or any plain command: ``"turn on
the play corner"``) keeps the phrase; ``--list`` shows what was taught and
``--forget PHRASE`` drops a lesson. The command must be one Home Assistant's
templates understand over this home, and the phrase one they do not already
understand (they answer first, so the lesson would never be used).
"""

from __future__ import annotations

import argparse

from app.config import Settings
from app.core.assistant import Assistant, load_home, taught_phrases
from app.core.teaching import teach
from intents.taught import TeachError
from intents.vocabulary import vocabulary


def add_teach_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("phrase", nargs="?", help='what you will say, e.g. "movie time"')
    parser.add_argument("meaning", nargs="?", metavar="COMMAND", help='an entity id (scene.cinema) or a command ("turn on the TV")')
    parser.add_argument("--list", action="store_true", help="show the phrases taught so far")
    parser.add_argument("--forget", metavar="PHRASE", help="drop what was taught for PHRASE")


def cmd_teach(args: argparse.Namespace, settings: Settings) -> int:
    store = taught_phrases(settings, vocabulary(settings.intents.language))
    try:
        if args.list:
            for phrase, command in sorted(store.lessons().items()):
                print(f'"{phrase}" -> {command}')
            for name, entity_id in sorted(store.aliases().items()):  # learnt from a "did you mean ...?"
                print(f'"{name}" names {entity_id}')
            return 0
        if args.forget:
            if not store.forget(args.forget):
                print(f'nothing was taught for "{args.forget}"')
                return 1
            print(f'forgot "{args.forget}"')
            return 0
        if not args.phrase or not args.meaning:
            raise TeachError('give a phrase and what it means: hearth teach "movie time" scene.cinema')
        assistant = Assistant(_templates_only(settings), load_home(settings, args.home))
        print(f'taught: "{args.phrase}" -> {teach(assistant, args.phrase, args.meaning)}')
        return 0
    except (TeachError, OSError) as err:
        print(f"hearth teach: {err}")
        return 2


def _templates_only(settings: Settings) -> Settings:
    # Teaching checks commands with the templates; the LLM is not loaded for it.
    return settings.model_copy(update={"intents": settings.intents.model_copy(update={"stage": "templates"})})
