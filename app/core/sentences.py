"""The language's sentences in use: Home Assistant's, Hearth's own and the user's, and what is built from them.

The user's files (`intents.custom`) may change while the service runs; a
:class:`SentenceWatch` notices it from the files' times and sizes (at most
once a second, from the utterance thread) and the stages are built again.
A file with a fault is left out with one error line; the rest stays in use.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Optional

from devices.registry import Home
from intents.custom import CustomSentences, merge_custom, stamp
from intents.repair import template_words
from intents.responses import Responder
from intents.templates import TemplateRecognizer, load_language
from intents.vocabulary import Vocabulary

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sentences:
    """The stages built from one reading of the sentences."""

    recognizer: TemplateRecognizer
    """The templates over the home's names."""
    responder: Responder
    """Home Assistant's responses (and the files' own) in the language."""
    known_words: frozenset[str]
    """The templates' literal words, for the repair of misheard words."""
    custom: CustomSentences
    """What the user's files added, and the errors of those left out."""


def read_sentences(home: Home, vocab: Vocabulary, language: str, folder: Optional[str]) -> Sentences:
    """Read the language's templates and the user's files in ``folder``; log each file left out."""
    custom = merge_custom(load_language(language), folder, language)
    for error in custom.errors:
        _LOGGER.error("Custom sentences left out: %s", error)
    if custom.intents:
        _LOGGER.info("Custom intents: %s", ", ".join(custom.intents))
    recognizer = TemplateRecognizer(home, language, custom.data, custom.intents)
    responses = custom.data.get("responses", {})
    errors = {"no_weather": vocab.replies["no_weather"], **responses.get("errors", {})}
    responder = Responder(responses.get("intents", {}), done=vocab.replies["done"], errors=errors,
                          not_understood=vocab.replies["not_understood"])
    known = frozenset(template_words(recognizer.template_texts(), vocab))
    return Sentences(recognizer, responder, known, custom)


class SentenceWatch:
    """Tells when the user's sentence files changed since they were last read."""

    def __init__(self, folder: Optional[str], language: str, every: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.folder, self.language, self.every, self._clock = folder, language, every, clock
        self._seen = stamp(folder, language)
        self._checked = clock()

    def changed(self) -> bool:
        """True once after a file was added, removed or written (checked at most every ``every`` s)."""
        if self.folder is None or self._clock() - self._checked < self.every:
            return False
        self._checked = self._clock()
        now = stamp(self.folder, self.language)
        if now == self._seen:
            return False
        self._seen = now
        return True
