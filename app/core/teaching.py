"""Teaching a phrase: checked the way `hearth teach`, the page and a spoken correction need it.

The command must be one Home Assistant's templates understand over this home, and the phrase one
they do not already understand (they answer first, so the lesson would never be used).
"""

from __future__ import annotations

from app.core.assistant import Assistant
from intents.taught import TeachError


def command_for(target: str, assistant: Assistant) -> str:
    """The plain command for an entity id (its first verb and its name), or ``target`` as given."""
    entity = assistant.home.entity(target.strip())
    if entity is None:
        return target
    verbs = assistant.vocab.verbs.get(entity.domain)
    if not verbs:
        raise TeachError(f"{target}: Hearth has no command for a {entity.domain}")
    return f"{verbs[0]} {entity.name}"


def teach(assistant: Assistant, phrase: str, target: str) -> str:
    """Keep ``phrase`` -> the command ``target`` stands for, after checking both; the command kept."""
    command = command_for(target, assistant)
    recognizer = assistant.view.recognizer
    if recognizer.recognize(command, {}).intent is None:
        raise TeachError(f'"{command}" is not a command Hearth understands for this home')
    if recognizer.recognize(phrase, {}).intent is not None:
        raise TeachError(f'"{phrase}" is already understood as it is; nothing to teach')
    assistant.understander.taught.teach(phrase, command)
    return command
