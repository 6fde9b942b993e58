"""The home in use and the stages built over it, kept current between utterances.

The registry as given (a file, discovery) with the names taught for its devices, the sentences in use
(Home Assistant's, Hearth's, the user's, read again when their files change), the view each utterance
reads (`app.core.home_view`), built in the background when the home changes, and the LLM stage, loaded
on first use. One utterance takes up what changed before it (`current`) and keeps that view to its end.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Optional

from app.config import Settings
from app.core.home_builder import HomeBuilder
from app.core.home_view import HomeView
from app.core.sentences import SentenceWatch, read_sentences
from app.stt.speech_to_text import SpeechToText
from devices.registry import Home
from intents.llm import LlmRecognizer, LlmSettings
from intents.taught import TaughtPhrases, TeachError
from intents.vocabulary import Vocabulary
from models import ModelError
from models.embedding import Embedder
from models.llm import load_llm, model_path

_LOGGER = logging.getLogger(__name__)


class HomeKeeper:
    """The home, its sentences and the stages over them, for one assistant."""

    def __init__(self, settings: Settings, home: Home, vocab: Vocabulary, taught: Optional[TaughtPhrases],
                 stt: Optional[SpeechToText]) -> None:
        self.settings, self.vocab, self.taught, self.stt = settings, vocab, taught, stt
        folder, language = settings.intents.custom_sentences, settings.intents.language
        self._given_home = home
        """The registry as given (file, discovery), before the names taught for its devices."""
        self._names = _taught_names(taught)
        home = home.with_aliases(self._names)
        self.sentences = read_sentences(home, vocab, language, folder)
        """The templates (Home Assistant's, Hearth's, the user's) and the responses in use."""
        self._watch = SentenceWatch(folder, language)
        self._view = HomeView.build(home, vocab, self.sentences.recognizer, self.sentences.known_words,
                                    settings.stt.prompt)
        self._builder = HomeBuilder(lambda: self._view)
        self._llm_tried = settings.intents.stage == "templates"
        self.llm_load_seconds = 0.0
        """Time to load the LLM and fill its KV cache with the fixed prompt."""
        self.on_sentences: list[Callable[[], None]] = []
        """Called after the user's sentence files were read again (Home Assistant's event types)."""
        self._ready_for_grammar(self._view)

    @property
    def view(self) -> HomeView:
        """The home and the stages over it, as the last utterance saw them."""
        return self._view

    def current(self) -> HomeView:
        """The view for this utterance: a home built since the last one, and sentence files changed since
        they were read, are taken up now."""
        self.take_up_taught_names()
        view = self._builder.take()
        if view is not None and view.recognizer.intents is not self._view.recognizer.intents:
            view = self._with_sentences(view.home)  # built over sentences read before the files changed
        if self._watch.changed():
            view = self._with_sentences((view or self._view).home, reread=True)
        if view is not None:
            if view.llm is None and self._view.llm is not None:  # the model was loaded while it was built
                view = view.with_llm(self._view.llm.with_home(view.home, view.recognizer))
            self._view = view  # one assignment: never half of each
        return self._view

    def _with_sentences(self, home: Home, reread: bool = False) -> HomeView:
        """A view of ``home`` over the sentences in use (read again first when ``reread``)."""
        if reread:
            started = time.perf_counter()
            self.sentences = read_sentences(home, self.vocab, self.settings.intents.language,
                                            self.settings.intents.custom_sentences)
            _LOGGER.info("Sentences read again in %.0f ms", (time.perf_counter() - started) * 1000)
            for observer in self.on_sentences:
                observer()
        recognizer = self.sentences.recognizer.with_home(home)
        view = HomeView.build(home, self.vocab, recognizer, self.sentences.known_words, self.settings.stt.prompt)
        if reread:
            self._ready_for_grammar(view)
        llm = self._view.llm
        return view if llm is None else view.with_llm(llm.with_home(home, recognizer))

    def _ready_for_grammar(self, view: HomeView) -> None:
        """Speech-to-text decoding constrained to what the templates allow made ready now, not by the first
        utterance that needs it: the decoder and the grammar's tokens take most of a second to load."""
        if self.stt is not None and self.stt.model is not None and view.word_graph is not None:
            self.stt.token_graph(view.word_graph)

    def offer(self, home: Home) -> None:
        """A new registry (from discovery, on the network thread): built in the background, used from
        the first utterance after it is ready; commands never wait for it."""
        self._given_home = home
        self._builder.offer(home.with_aliases(self._names))

    def take_up_taught_names(self) -> None:
        """Names taught or forgotten since the home was built (a "did you mean" answered, `hearth teach
        --forget`, the page) build it again, in the background."""
        names = _taught_names(self.taught)
        if names != self._names:
            self._names = names
            self.offer(self._given_home)

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until the homes offered so far are built (one-shot commands and tests); False on time-out."""
        return self._builder.wait(timeout)

    def llm_stage(self) -> Optional[LlmRecognizer]:
        """The LLM stage, loaded on first use; None when switched off or its model cannot be loaded
        (said once in the log). It is over the view the utterance in hand already took up: asking for
        the LLM mid-utterance must not take up a newly discovered home."""
        view = self._view
        if view.llm is None and not self._llm_tried:
            self._llm_tried = True
            config, started = self.settings.llm, time.perf_counter()
            try:
                model = load_llm(model_path(config.model, config.bundled), config.threads, config.context)
            except ModelError as err:
                _LOGGER.error("LLM stage off, templates only: %s", err)
                return None
            llm = LlmRecognizer(model, view.recognizer, view.home, self.vocab, config, embedder=_embedder(config))
            llm.warm()
            self._view = view = view.with_llm(llm)
            self.llm_load_seconds = time.perf_counter() - started
        return view.llm


def _embedder(config: LlmSettings) -> Optional[Embedder]:
    """The sentence embedding that finds devices by meaning; None when switched off or not installed
    (said once in the log: the LLM stage then reads only the devices the words name)."""
    if not config.meaning_devices:
        return None
    try:
        return Embedder().load()
    except ModelError as err:
        _LOGGER.error("Devices by meaning off: %s", err)
        return None


def _taught_names(taught: Optional[TaughtPhrases]) -> dict[str, str]:
    """The names taught for the home's devices; none when the lessons cannot be read (said in the log:
    the utterance in hand still counts)."""
    try:
        return taught.aliases() if taught is not None else {}
    except TeachError as err:
        _LOGGER.error("%s", err)
        return {}
