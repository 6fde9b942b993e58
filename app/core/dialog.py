"""Questions Hearth asks back, and the answers that settle them.

A sensitive action is asked about and the next yes or no decides
(:class:`ConfirmationDialog`; which actions are sensitive is
:mod:`intents.confirmation`'s). Several devices fitting a name said in part
are asked about and the next answer picks one or all (:class:`ChoiceDialog`).
What counts as a yes, a no or "both", and how a question is put, is the
language's (the vocabulary). After a question the voice loop listens again
without the wake word for ``conversation.follow_up_seconds``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

from app.core.clarify import Choice, chosen, question
from app.core.failure import Failure
from devices.decision import Decision
from devices.registry import Home
from intents.confirmation import Confirmations
from intents.vocabulary import Vocabulary


@dataclass(frozen=True)
class Answer:
    """What an utterance meant while a question was open."""

    decision: Optional[Decision] = None
    """The held action, to carry out now (a yes)."""
    failure: Optional[Failure] = None
    """DECLINED for a no."""
    choice: Optional[Choice] = None
    """The "which one?" answered."""
    picked: tuple[str, ...] = ()
    """The devices the answer named."""


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

    def ask(self, decision: Decision, site: str, home: Home, doubted: Optional[str] = None,
            asks: bool = False, meant: bool = False) -> Optional[str]:
        """The question to put before ``decision`` is carried out, or None when it needs none.
        ``doubted``: the words heard, where the audio fits another reading nearly as well, or said where
        ``asks`` (the user's own action that wants a yes, which has no device to name); ``meant``: ``doubted``
        is the plain command found by meaning, asked as "did you mean"."""
        if doubted is not None and (decision.acts or asks):
            self.confirmations.ask(site, decision)
            reply = self.vocab.replies["meant" if meant else "heard_right"]
            return reply.format(text=doubted.strip().rstrip(".!?。！？"))
        names = self.confirmations.needed(decision, home) if decision.acts else []
        if not names:
            return None
        self.confirmations.ask(site, decision)
        entity = home.entity(decision.targets[0])
        verbs = self.vocab.confirm_verbs
        verb = verbs.get(entity.domain if entity else "", verbs["default"])
        return self.vocab.replies["confirm"].format(verb=verb, names=self.vocab.replies["and"].join(names))


class ChoiceDialog:
    """Holds a "which one?" per site until it is answered, refused, or something else is said (which
    drops it: a new command is not taken for an answer)."""

    def __init__(self, vocab: Vocabulary, timeout: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.vocab = vocab
        self.timeout = timeout
        self._clock = clock
        self._open: dict[str, tuple[Choice, float]] = {}

    def waiting(self, site: str) -> bool:
        """True while a question to ``site`` is open."""
        held = self._open.get(site)
        return held is not None and held[1] >= self._clock()

    def ask(self, choice: Choice, site: str, home: Home) -> str:
        """Hold ``choice`` for ``site``; the question to put."""
        self._open[site] = (choice, self._clock() + self.timeout)
        return question(choice, home, self.vocab)

    def answer(self, text: str, site: str, home: Home) -> Optional[Answer]:
        """The devices ``text`` picks, DECLINED for a no, None when no question was open or ``text`` is
        no answer to it."""
        if not self.waiting(site):
            self._open.pop(site, None)
            return None
        choice, _ = self._open.pop(site)
        if self.vocab.answer(text) is False:
            return Answer(failure=Failure.DECLINED)
        picked = chosen(choice, text, home, self.vocab)
        return Answer(choice=choice, picked=picked) if picked else None
