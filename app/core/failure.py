"""What can go wrong with one utterance, as types; replies and exit codes for them in one place."""

from __future__ import annotations

from enum import Enum
from typing import Any, Optional

from intents.vocabulary import Vocabulary


class InputError(Exception):
    """The utterance itself is unusable (empty, too long); one line."""


class Failure(str, Enum):
    """Why an utterance did not end in what was asked."""

    NOT_HEARD = "not_heard"
    """Speech-to-text heard nothing usable."""
    NOT_UNDERSTOOD = "not_understood"
    """No stage understood the words (or the LLM's reading was not trusted)."""
    NOT_POSSIBLE = "not_possible"
    """Understood, but the home cannot do it (no such device, area, or value)."""
    NEEDS_CONFIRMATION = "needs_confirmation"
    """A sensitive action waits for a spoken "yes"."""
    NEEDS_CHOICE = "needs_choice"
    """Several devices fit what was said: Hearth asked which one."""
    DECLINED = "declined"
    """The user said no to a confirmation."""
    NO_BROKER = "no_broker"
    """No MQTT broker is configured, so nothing can be sent."""
    NOT_DELIVERED = "not_delivered"
    """The broker could not be reached: nothing was sent, and nothing will be later."""
    NOT_CONFIRMED = "not_confirmed"
    """A command was sent but the broker did not acknowledge it: it may still be carried out."""

    @property
    def exit_code(self) -> int:
        """The command line's exit status: 0 for a question asked back or a no, 1 otherwise."""
        return 0 if self is Failure.DECLINED else 1


#: Which of the vocabulary's replies says each failure (NOT_POSSIBLE and NEEDS_CONFIRMATION carry
#: their own words: the resolver's reason, the question).
_REPLY_KEYS = {Failure.NOT_HEARD: "not_heard", Failure.NOT_UNDERSTOOD: "not_understood",
               Failure.DECLINED: "declined", Failure.NO_BROKER: "no_broker",
               Failure.NOT_DELIVERED: "not_delivered", Failure.NOT_CONFIRMED: "not_confirmed"}


def reply_for(failure: Failure, vocab: Vocabulary, detail: Optional[str] = None,
              reason: Optional[tuple[str, dict[str, Any]]] = None) -> str:
    """What Hearth says for ``failure``; ``detail`` is the specific reason where there is one, said in the
    home's language when ``reason`` names one of the vocabulary's replies."""
    if reason is not None and reason[0] in vocab.replies:
        try:
            slots = {k: vocab.part_names.get(v, v) if k == "what" else v for k, v in reason[1].items()}
            return vocab.replies[reason[0]].format(**slots)
        except (KeyError, IndexError, ValueError):  # a reply naming what the reason lacks: the detail says it
            pass
    if detail:
        return detail
    return vocab.replies[_REPLY_KEYS.get(failure, "not_understood")]
