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
from devices.home_assistant import ACTION_INTENTS, QUERY_INTENTS
from devices.registry import Home
from intents.grammar_repair import GrammarRepairer
from intents.homophones import HomophoneRepairer
from intents.llm import LlmRecognizer
from intents.repair import WordRepairer
from intents.scope import class_nouns
from intents.templates import TemplateRecognizer
from intents.vocabulary import Vocabulary
from intents.word_graph import WordGraph, word_graph


@dataclass(frozen=True)
class HomeView:
    """The registry and the stages built over it, for one utterance at a time."""

    home: Home
    """Floors, areas and entities."""
    vocab: Vocabulary
    """The words of the language."""
    recognizer: TemplateRecognizer
    """Home Assistant's templates over this home's names."""
    repairer: WordRepairer | HomophoneRepairer
    """Repair of misheard words (or characters), over this home's names and the templates' words."""
    known_words: frozenset[str]
    """The templates' literal words (the repairer's vocabulary besides names)."""
    prompt_setting: str
    """``stt.prompt``: "auto" builds the prompt from the home, anything else is used as it is."""
    stt_prompt: str
    """What speech-to-text is primed with."""
    llm: Optional[LlmRecognizer] = None
    """The LLM stage over this home, once loaded."""

    @cached_property
    def known_tokens(self) -> frozenset[str]:
        """Every word the templates, the home's names or the vocabulary's own phrases use."""
        vocab = self.vocab
        texts = [*self.recognizer.template_texts(), *(n for e in self.home.entities for n in e.names),
                 *(n for a in self.home.areas for n in (a.name, *a.aliases)), *(f.name for f in self.home.floors),
                 *vocab.own_phrases]
        return frozenset(word for text in texts for word in vocab.words(text))

    @cached_property
    def class_nouns(self) -> frozenset[str]:
        """Home Assistant's device-class words ("door", "window"): each names a kind of device."""
        return class_nouns(self.recognizer.intents.slot_lists, self.vocab.words)

    def unknown_words(self, text: str) -> list[str]:
        """The words of ``text`` that no template, name or phrase of the vocabulary uses (digits count
        as known)."""
        return [w for w in self.vocab.words(text) if w not in self.known_tokens and not w.isdigit()]

    @cached_property
    def primed_names(self) -> frozenset[str]:
        """The home's names that the prompt lists, as the vocabulary joins words."""
        names = [n for e in self.home.entities for n in e.names] + [a.name for a in self.home.areas] \
            + [f.name for f in self.home.floors]
        prompt = self.vocab.joined(self.stt_prompt)
        return frozenset(joined for joined in map(self.vocab.joined, names) if joined and joined in prompt)

    @cached_property
    def device_names(self) -> frozenset[str]:
        """Every name and alias of the home's devices, as the vocabulary joins words."""
        return frozenset(filter(None, (self.vocab.joined(n) for e in self.home.entities for n in e.names)))

    @cached_property
    def name_openers(self) -> frozenset[str]:
        """The first words of the home's device and room names: a spoken short form opens with one
        ("living room lamp on"), and its lost verb may have taken the article with it."""
        names = [n for e in self.home.entities if e.domain in self.vocab.verbs for n in e.names] \
            + [n for a in self.home.areas for n in (a.name, *a.aliases)]
        return frozenset(words[0] for words in map(self.vocab.words, names) if words)

    @cached_property
    def grammar(self) -> Optional[GrammarRepairer]:
        """The user's sentences nearest to a transcript, for a language repaired by sound; None without any."""
        if not self.recognizer.custom or not self.vocab.repairs_by_sound:
            return None
        return GrammarRepairer(self.recognizer, self.vocab) or None

    @cached_property
    def word_graph(self) -> Optional[WordGraph]:
        """What can be said that acts (Home Assistant's action templates and the user's own) over this home, for
        speech-to-text to decode along; for a language repaired by sound, None where nothing can."""
        if not self.vocab.repairs_by_sound:
            return None
        return word_graph(self.recognizer, sorted(ACTION_INTENTS | self.recognizer.custom), self.vocab)

    @cached_property
    def for_repair(self) -> "HomeView":
        """This view with the templates of the intents Hearth carries out or answers (and the user's own)
        only: a repaired variant counts only when it acts, and the others (lists, broadcasts, searches:
        wildcards) would cost a third of every parse."""
        names = {n for n in self.recognizer.intents.intents
                 if n in ACTION_INTENTS | QUERY_INTENTS | self.recognizer.custom or "Timer" in n}
        return replace(self, recognizer=self.recognizer.only(names | {"HassNevermind"}))

    @classmethod
    def build(cls, home: Home, vocab: Vocabulary, recognizer: TemplateRecognizer, known_words: frozenset[str],
              prompt_setting: str) -> "HomeView":
        """A first view; ``recognizer`` is already over ``home``."""
        prompt = home_prompt(home, vocab, own=recognizer.own_examples()) if prompt_setting == "auto" else prompt_setting
        repairer = WordRepairer(home, vocab, known_words) if vocab.readings is None else \
            HomophoneRepairer(home, vocab, [*known_words, *vocab.own_phrases])
        return cls(home, vocab, recognizer, repairer, known_words, prompt_setting, prompt)

    def for_home(self, home: Home) -> "HomeView":
        """The same stages over another registry (the templates and the model are shared, not reloaded)."""
        recognizer = self.recognizer.with_home(home)
        llm = self.llm.with_home(home, recognizer) if self.llm is not None else None
        view = HomeView.build(home, self.vocab, recognizer, self.known_words, self.prompt_setting)
        return replace(view, llm=llm)

    def with_llm(self, llm: LlmRecognizer) -> "HomeView":
        """This view with the LLM stage loaded."""
        return replace(self, llm=llm)
