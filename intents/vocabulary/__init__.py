"""The words of a language, in one place: every stage that needs words takes them from here.

A stage never spells out a word of a language. It is handed a
:class:`Vocabulary` (``vocabulary("en")``) and asks it: what are the words of
this text, is it negated or a question, which words ask for an action, which
word is the opposite of "on", what does "sixty" count, what is "yes". Adding a
language adds one module beside ``en.py`` that builds a ``VOCABULARY``.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Mapping


class UnknownLanguage(ValueError):
    """No vocabulary module for the language asked for."""


@dataclass(frozen=True)
class Vocabulary:
    """Everything language-specific that Hearth's stages need, as data."""

    language: str
    """Language code, as Home Assistant's intents name it (``en``, ``zh-cn``)."""
    word_pattern: str
    """Regular expression of one word in lower-case text (the tokenizer)."""
    number_words: Mapping[str, int]
    """Spoken numbers and their values ("sixty" -> 60)."""
    ordinals: Mapping[str, str]
    """Ordinals as speech-to-text writes them, as the templates spell them ("1st" -> "first")."""
    opposites: tuple[tuple[str, str], ...]
    """Pairs of direction words; a misheard direction is tried the other way too."""
    direction_words: Mapping[str, frozenset[str]]
    """For a plain command starting with the key ("turn on"), the words of which one must have been said."""
    negations: frozenset[str]
    """Words or phrases that turn a command into its refusal ("don't", "do not")."""
    question_openers: frozenset[str]
    """First words of a question ("is", "what"): a question never changes anything."""
    action_cues: frozenset[str]
    """Words that ask for something to happen; an utterance with none of them is a statement."""
    yes: frozenset[str]
    """Whole answers that confirm."""
    no: frozenset[str]
    """Whole answers that refuse."""
    stop_words: frozenset[str]
    """Words that mean "be quiet" while Hearth speaks."""
    command_words: tuple[str, ...]
    """Words of commands that matter when repairing a transcript, even where no template spells them."""
    sound_alikes: Mapping[str, tuple[str, ...]]
    """Short words heard for others in running speech, where spelling cannot tell."""
    repair_phrases: tuple[str, ...]
    """Multi-word phrases one misheard word may stand for ("in here")."""
    short_words: frozenset[str]
    """The one-letter words of the language ("a", "i"); other single letters are noise."""
    article: str
    """The definite article, which a misheard word may have swallowed ("believing" for "the living")."""
    kind_words: Mapping[str, str]
    """How the templates name a kind of device without a name (domain -> "lights")."""
    kind_of: Mapping[str, str]
    """Words naming a kind of device (word -> domain): "the vacuum" in the room one is in."""
    light_words: frozenset[str]
    """Words for lights."""
    fan_words: frozenset[str]
    """Words for fans."""
    cover_words: frozenset[str]
    """Words for curtains, blinds and other covers."""
    percent_words: frozenset[str]
    """Words that make a number a percentage."""
    degree_words: frozenset[str]
    """Words that make a number a temperature."""
    verbs: Mapping[str, tuple[str, ...]]
    """How the templates say each action, by domain (domain -> "turn on", "turn off", ...)."""
    states: Mapping[str, tuple[str, ...]]
    """States a question may ask about, by domain."""
    phrases: Mapping[str, str]
    """Plain-command shapes the LLM stage answers with, as format strings (see ``en.py``)."""
    prompt_commands: Mapping[str, str]
    """One command per kind of device to prime speech-to-text with; ``{area}`` is a room that has one."""
    replies: Mapping[str, str]
    """Hearth's own replies, by what happened (see ``intents.outcome.Failure``)."""
    confirm_verbs: Mapping[str, str]
    """The verb of a confirmation question by domain ("unlock"); ``default`` for the rest."""
    llm_instruction: str
    """The LLM stage's system instruction."""

    @cached_property
    def _word(self) -> re.Pattern[str]:
        return re.compile(self.word_pattern)

    def words(self, text: str) -> list[str]:
        """The words of ``text``, lower case, punctuation dropped."""
        return self._word.findall(text.casefold())

    def joined(self, text: str) -> str:
        """The words of ``text`` joined by single spaces (for matching phrases)."""
        return " ".join(self.words(text))

    def _has_phrase(self, text: str, phrases: frozenset[str]) -> bool:
        padded = f" {self.joined(text)} "
        return any(f" {phrase} " in padded for phrase in phrases)

    def negated(self, text: str) -> bool:
        """True when a negation is said anywhere ("don't turn off the lamp")."""
        return self._has_phrase(text, self.negations)

    def is_question(self, text: str) -> bool:
        """True when ``text`` opens as a question."""
        found = self.words(text)
        # "isn't", "what's": an opener with a contraction is still one.
        return bool(found) and found[0].split("'")[0] in self.question_openers

    def asks_for_action(self, text: str) -> bool:
        """True when some word asks for something to happen."""
        return bool(set(self.words(text)) & self.action_cues)

    def answer(self, text: str) -> bool | None:
        """True for a yes, False for a no, None for anything else."""
        said = self.joined(text)
        return True if said in self.yes else False if said in self.no else None

    def numbers(self, text: str) -> set[int]:
        """Numbers said in ``text``, from digits or words."""
        joined = self.joined(text)
        found = {int(n) for n in re.findall(r"\d+", joined)}
        padded = f" {joined} "
        return found | {value for word, value in self.number_words.items() if f" {word} " in padded}

    @cached_property
    def opposite(self) -> dict[str, tuple[str, ...]]:
        """Each direction word's opposites, looked up from either side of a pair."""
        found: dict[str, tuple[str, ...]] = {}
        for a, b in self.opposites:
            found[a] = (*found.get(a, ()), b)
            found[b] = (*found.get(b, ()), a)
        return found


def vocabulary(language: str) -> Vocabulary:
    """The vocabulary of ``language`` (raises UnknownLanguage)."""
    module = language.lower().replace("-", "_")
    if not re.fullmatch(r"[a-z_]+", module):
        raise UnknownLanguage(f"no vocabulary for language {language!r}")
    try:
        return importlib.import_module(f"{__name__}.{module}").VOCABULARY
    except ModuleNotFoundError:
        raise UnknownLanguage(f"no vocabulary for language {language!r} (intents/vocabulary/{module}.py)") from None
