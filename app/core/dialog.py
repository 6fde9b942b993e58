"""The confirmation dialog: a sensitive action is asked about, and the next answer decides.

Which actions are sensitive and how long a question stays open is
:mod:`intents.confirmation`'s; what counts as a yes or a no, and how the
question is put, is the language's (the vocabulary).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from app.core.failure import Failure
from devices.registry import Home
from intents.confirmation import Confirmations
from intents.schema import Decision
from intents.vocabulary import Vocabulary


@dataclass(frozen=True)
class Answer:
    """What an utterance meant while a question was open."""

    decision: Optional[Decision] = None
    """The held action, to carry out now (a yes)."""
    failure: Optional[Failure] = None
    """DECLINED for a no."""


class ConfirmationDialog:
    """Holds sensitive actions per site until a yes, a no, or anything else (which drops them)."""

    def __init__(self, confirmations: Confirmations, vocab: Vocabulary) -> None:
        self.confirmations = confirmations
        self.vocab = vocab

    def waiting(self, site: str) -> bool:
        """True while a question to ``site`` is open."""
        return self.confirmations.waiting(site)

    def answer(self, text: str, site: str) -> Optional[Answer]:
        """What ``text`` meant as an answer, or None when no question was open or it was no answer (a
        new command: the question is dropped, asked once only)."""
        if not self.confirmations.waiting(site):
            return None
        said = self.vocab.answer(text)
        pending = self.confirmations.take(site)
        if said is True:
            return Answer(decision=pending)
        return Answer(failure=Failure.DECLINED) if said is False else None

    def ask(self, decision: Decision, site: str, home: Home) -> Optional[str]:
        """The question to put before ``decision`` is carried out, or None when it needs none."""
        names = self.confirmations.needed(decision, home) if decision.acts else []
        if not names:
            return None
        self.confirmations.ask(site, decision)
        entity = home.entity(decision.targets[0])
        verbs = self.vocab.confirm_verbs
        verb = verbs.get(entity.domain if entity else "", verbs["default"])
        return self.vocab.replies["confirm"].format(verb=verb, names=self.vocab.replies["and"].join(names))
