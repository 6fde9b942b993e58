"""One immutable view of the home: the registry and everything built from it.

Discovery can bring a new registry at any time, on the network thread. The
recognisers, the repairer and the speech-to-text prompt are all built from
the registry, so they are rebuilt together into a new :class:`HomeView` and
swapped in one assignment: an utterance never sees half of one home and half
of another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Optional

from app.stt.prompt import home_prompt
from devices.registry import Home
from intents.llm import LlmRecognizer
from intents.repair import WordRepairer
from intents.templates import TemplateRecognizer
from intents.vocabulary import Vocabulary


@dataclass(frozen=True)
class HomeView:
    """The registry and the stages built over it, for one utterance at a time."""

    home: Home
    """Floors, areas and entities."""
    vocab: Vocabulary
    """The words of the language."""
    recognizer: TemplateRecognizer
    """Home Assistant's templates over this home's names."""
    repairer: WordRepairer
    """Repair of misheard words, over this home's names and the templates' words."""
    known_words: frozenset[str]
    """The templates' literal words (the repairer's vocabulary besides names)."""
    prompt_setting: str
    """``stt.prompt``: "auto" builds the prompt from the home, anything else is used as it is."""
    stt_prompt: str
    """What speech-to-text is primed with."""
    llm: Optional[LlmRecognizer] = None
    """The LLM stage over this home, once loaded."""

    @cached_property
    def primed_names(self) -> frozenset[str]:
        """The home's names that the prompt lists, as the vocabulary joins words."""
        names = [n for e in self.home.entities for n in e.names] + [a.name for a in self.home.areas] \
            + [f.name for f in self.home.floors]
        prompt = self.vocab.joined(self.stt_prompt)
        return frozenset(joined for joined in map(self.vocab.joined, names) if joined and joined in prompt)

    @classmethod
    def build(cls, home: Home, vocab: Vocabulary, recognizer: TemplateRecognizer, known_words: frozenset[str],
              prompt_setting: str) -> "HomeView":
        """A first view; ``recognizer`` is already over ``home``."""
        prompt = home_prompt(home, vocab) if prompt_setting == "auto" else prompt_setting
        return cls(home, vocab, recognizer, WordRepairer(home, vocab, known_words), known_words, prompt_setting,
                   prompt)

    def for_home(self, home: Home) -> "HomeView":
        """The same stages over another registry (the templates and the model are shared, not reloaded)."""
        recognizer = self.recognizer.with_home(home)
        llm = self.llm.with_home(home, recognizer) if self.llm is not None else None
        view = HomeView.build(home, self.vocab, recognizer, self.known_words, self.prompt_setting)
        return replace(view, llm=llm)

    def with_llm(self, llm: LlmRecognizer) -> "HomeView":
        """This view with the LLM stage loaded."""
        return replace(self, llm=llm)
