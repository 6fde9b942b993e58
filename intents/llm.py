"""Stage two of understanding: a small quantised LLM for what the templates miss.

The model does not invent intents and slots. It rewrites what was said as one
plain command, choosing among the only answers allowed: every plain command
over the devices, rooms, floors, numbers and colours the user mentioned, with
the verbs each kind of device takes (:mod:`intents.canonical`), or "none".
Home Assistant's templates then read that command, so every action the LLM
leads to is one the templates define, on a device the user named. The prompt,
in the model's own chat template, is the instructions and a fixed set of
examples sampled from the templates over this home (:mod:`intents.bank`), one
per kind of command; it never changes between requests, so llama.cpp keeps it
in its KV cache and each request pays only for the user's words
(:mod:`intents.constrained`). What may be answered is decided by the
language's vocabulary, not by the model: only verbs whose words were said (or
that an indirect request needs), only questions for a question; negated
commands and statements are not offered to the model at all, and answers it
was not sure of among the allowed ones are never acted on.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Optional

from devices.decision import Recognition, Source
from devices.home_assistant import QUERY_INTENTS
from devices.registry import Home
from intents.bank import Example, sample_bank
from intents.canonical import Mentions, answers, find_mentions, nearby_names, render
from intents.constrained import ChatPrompt, choose
from intents.meaning import Embeds, meaning_index
from intents.scope import home_words
from intents.settings import LlmSettings
from intents.steps import step_words
from intents.templates import TemplateRecognizer, build_slot_lists
from intents.vocabulary import Vocabulary

#: How many words may be said before a command the templates read, for it to be offered as said.
INNER = 5


def refusal(text: str, intent: Optional[str], vocab: Vocabulary) -> Optional[str]:
    """Why the command the model chose must not be carried out, or None. Which words make a command
    negated, a question or a statement comes from ``vocab``; the answers offered already hold only
    the verbs that were said, and only questions for a question."""
    if intent is None:
        return "the templates do not read the rewritten command"
    if intent in QUERY_INTENTS:
        return None
    if vocab.negated(text):
        return "the command is negated"
    if vocab.is_question(text):
        return "a question cannot change anything"
    if vocab.is_statement(text):
        return "a statement, not a request"
    return None


def not_for_the_model(text: str, vocab: Vocabulary) -> Optional[str]:
    """Why ``text`` is not even offered to the model: nothing the model answers may act on it."""
    question = vocab.is_question(text)
    # A question is answered only with questions, so "did I leave the light on" may be read.
    if vocab.negated(text) and (not question or vocab.opens_negated(text)):
        return "the command is negated"
    if vocab.is_statement(text) and not question:
        return "a statement, not a request"
    return None


def describes_a_device(text: str, home: Home, vocab: Vocabulary) -> bool:
    """True when ``text`` opens with a device of the home (its name, a kind word, a room before it) and then
    a copula: "the robovac is really good at vacuuming", "the desk lamp is too bright" say how a device
    is, whatever word after them asks for a change elsewhere. A room alone is no device ("the kitchen is
    too dark" asks for light), nor is a need said of the device ("the garage light is wasting power"),
    nor a description before a clause about "it" ("the roomba is on the wrong dock, can you move it")."""
    words = vocab.words(text)
    names = {vocab.singular(w) for e in home.entities for n in e.names for w in vocab.words(n)}
    kinds = {vocab.singular(w) for forms in vocab.words_of_kind.values() for w in forms}
    rooms = {w for a in home.areas for n in (a.name, *a.aliases) for w in vocab.words(n)}
    subject = 0
    while subject < len(words) and (words[subject] == vocab.article or vocab.singular(words[subject]) in
                                    names | kinds or words[subject] in rooms):
        subject += 1
    device = any(vocab.singular(w) in names | kinds and w not in rooms for w in words[:subject])
    if not (device and subject < len(words) and words[subject] in vocab.copulas) or vocab.needs_said(text):
        return False
    # "the roomba is on the wrong dock, can you move it": a later clause about "it" asks for something.
    later = re.split("[" + re.escape(vocab.clause_marks) + "]", text.lower(), maxsplit=1)[1:]
    return not (later and set(vocab.words(later[0])) & vocab.pronouns)


def weak_only(text: str, vocab: Vocabulary) -> bool:
    """True when the only words of ``text`` that ask for a change are weak cues ("on" of "I love the music
    on the record player", "on standby"): the model's command is then asked about, never done at once.
    Every plain command the model may choose is read from the words; a weak cue alone is too little for a
    reading that acts (docs/understanding.md)."""
    if not vocab.verbs_said(text) or vocab.verbs_said(text, weak=False) or vocab.needs_said(text):
        return False
    words = vocab.words(text)
    # A weak cue right after a verb ("turn on the tv") or ending the sentence ("switch the tv on please")
    # says the direction; between a device and more words ("on standby", "on the record player") it may not.
    starters = {cue.split()[0] for cues in vocab.direction_words.values() for cue in cues if " " in cue}
    trailing = vocab.bare_cues | vocab.fillers
    for i, word in enumerate(words):
        if word in vocab.weak_cues and word not in vocab.bare_cues and (
                (i and words[i - 1] in starters) or all(w in trailing for w in words[i + 1:])):
            return False
    return True




@dataclass(frozen=True)
class LlmResult:
    """What the model answered and what the templates made of it."""

    recognition: Recognition
    """Intent and slots as the templates read the model's command (intent None: not acted on)."""
    answer: str
    """The plain command the model chose, or "none"."""
    refused: Optional[str] = None
    """Why a command was not trusted."""
    prompt_tokens: int = 0
    """Prompt tokens evaluated for this request (the rest came from the KV cache)."""
    completion_tokens: int = 0
    """Tokens of the answer."""
    ms: float = 0.0
    """Time in the model."""
    meant: bool = False
    """The command was offered only by meaning (`intents.meaning`): to be asked about, not done at once."""


class LlmRecognizer:
    """Rewrites utterances with a GGUF model into commands the template stage reads."""

    def __init__(self, llm: Any, templates: TemplateRecognizer, home: Home, vocab: Vocabulary,
                 settings: LlmSettings = LlmSettings(), lock: Optional[threading.Lock] = None,
                 embedder: Optional[Embeds] = None) -> None:
        self.llm = llm
        self.embedder = embedder if settings.meaning_devices else None
        """The sentence embedding that finds devices by meaning (None: by their words only)."""
        self._lock = lock or threading.Lock()
        """One request at a time in the model (llama.cpp's context is not shared between threads)."""
        self.vocab = vocab
        self.chat = ChatPrompt(llm)
        self.templates = templates
        self.settings = settings
        self._use_home(home)

    def with_home(self, home: Home, templates: TemplateRecognizer) -> "LlmRecognizer":
        """The stage over another registry (and the templates over it), sharing the loaded model."""
        return LlmRecognizer(self.llm, templates, home, self.vocab, self.settings, self._lock, self.embedder)

    def _use_home(self, home: Home) -> None:
        """Build the example bank, the fixed prompt and the index by meaning for a registry."""
        self.home = home
        self.meaning = meaning_index(home, self.vocab, self.embedder, self.settings.meaning_standout)
        self.steps = step_words(self.templates.intents, self.vocab.words)
        self.home_words = home_words(self.templates.intents, self.vocab.words)
        areas_of: dict[str, set[str]] = {}
        for entity in home.entities:
            area = home.area(entity.area_id)
            for spoken in entity.names:
                areas_of[spoken.casefold()] = {n.casefold() for n in (area.name, *area.aliases)} if area else set()
        bank = sample_bank(self.templates.intents, build_slot_lists(home), areas_of=areas_of)
        self.examples: list[tuple[Example, str]] = []
        for example in bank:
            plain = render(example.intent, dict(example.slots), self.vocab)
            if plain is not None:
                self.examples.append((example, plain))
        self.prompt = [{"role": "system", "content": self.vocab.llm_instruction}]
        for example, plain in self.static_examples(self.settings.examples):
            self.prompt += [{"role": "user", "content": example.text}, {"role": "assistant", "content": plain}]
        self._fixed_tokens: Optional[int] = None

    def fixed_tokens(self) -> int:
        """Tokens of the prompt every request shares (call with the model's lock held)."""
        if self._fixed_tokens is None:
            one, other = self.chat.tokens(self.messages("a")), self.chat.tokens(self.messages("b"))
            shared = 0
            while shared < min(len(one), len(other)) and one[shared] == other[shared]:
                shared += 1
            self._fixed_tokens = shared
        return self._fixed_tokens

    def static_examples(self, count: int) -> list[tuple[Example, str]]:
        """One example per kind of plain command (its words with names and numbers taken out), the same
        for every request; examples of at least four words, which show the model some phrasing, whose
        plain command the templates read back as the example's intent (never teach an unreadable form)."""
        seen: dict[str, tuple[Example, str]] = {}
        for example, plain in self.examples:
            slots = dict(example.slots)
            shape = plain
            for value in sorted((str(v) for v in slots.values()), key=len, reverse=True):
                shape = shape.replace(value, "X")
            shape = " ".join(shape.split()[:2]) + ("%" if {"brightness", "position"} & set(slots) else "") \
                + (" deg" if "temperature" in slots else "")
            if shape not in seen and len(self.vocab.words(example.text)) >= 4 and self._reads_back(example, plain):
                seen[shape] = (example, plain)
        return list(seen.values())[:count]

    def _reads_back(self, example: Example, plain: str) -> bool:
        """True when the templates read ``plain`` as the example's intent and targets."""
        read, wanted = self.templates.recognize(plain), dict(example.slots)
        keys = ("name", "area", "floor", "device_class")
        return read.intent == example.intent and all(
            read.slots.get(k) == wanted.get(k) for k in keys if wanted.get(k) not in (None, "all"))

    def messages(self, text: str) -> list[dict[str, str]]:
        """The chat: the fixed prompt, then the user's words."""
        return [*self.prompt, {"role": "user", "content": text}]

    def offered(self, text: str, context: Optional[dict[str, Any]] = None) -> list[str]:
        """The answers the model may choose from for ``text`` (only "none" when it is not to be asked)."""
        if not_for_the_model(text, self.vocab) or describes_a_device(text, self.home, self.vocab):
            return [self.vocab.phrases["none"]]
        return self._answers(text, context or {})

    def _answers(self, text: str, context: dict[str, Any]) -> list[str]:
        """Every answer over what ``text`` mentions, then the commands on the devices nearest to it in
        meaning, for an utterance the model may read."""
        said, meant = self._offers(text, context)
        return _joined(said, meant)

    def _offers(self, text: str, context: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
        """The answers over what ``text`` mentions by its words, and the commands on each device nearest
        to it in meaning, nearest first: these only where the words offer no command (the answers are
        "none" alone), since more answers beside the words' distract the model (measured: "clean the
        floors" started Rover, and with the nearest devices offered too, nothing)."""
        mentions = find_mentions(text, self.home, self.vocab)
        said = self._said(text, context, mentions)
        if self.meaning is None or said != [self.vocab.phrases["none"]] or not self._asks_by_meaning(text, mentions):
            return said, []
        return said, self.meaning.commands(text, self.settings.meaning_devices)

    def _asks_by_meaning(self, text: str, mentions: Mentions) -> bool:
        """False where a device is named by its words but no command is (a remark: "my sister loves the
        play corner"), or where only numbers are said ("18"): meaning is for what the words cannot name."""
        if mentions.names:
            return False
        words = self.vocab.words(self.vocab.without_fillers(text))
        return any(not self.vocab.numbers(word) for word in words)

    def _said(self, text: str, context: dict[str, Any], mentions: Mentions) -> list[str]:
        """Every answer over what ``text`` mentions (``mentions``) by its words."""
        nearby = nearby_names(text, self.home, context.get("area"), self.vocab,
                              anywhere=not (mentions.names or mentions.areas or mentions.floors))
        if nearby:
            mentions = replace(mentions, names=tuple(sorted({*mentions.names, *nearby})))
        question = self.vocab.is_question(text)
        found = answers(mentions, self.home, context.get("area"), text, self.vocab, question, self.steps,
                        self.home_words)
        return list(dict.fromkeys([*found, *inner_command(text, self.templates, context, question)]))

    def warm(self) -> None:
        """Evaluate the fixed prompt now, so the first request is as fast as the others."""
        with self._lock:
            choose(self.llm, self.chat, self.messages("hello"), ["none"])

    def recognize(self, text: str, context: Optional[dict[str, Any]] = None,
                  deadline: Optional[float] = None) -> LlmResult:
        """The model's reading of ``text`` through the templates; intent None when not to be acted on.
        ``deadline`` (``time.perf_counter``) is when to give up; by default ``deadline_ms`` from now."""
        context = context or {}
        start = time.perf_counter()
        with self._lock:
            size = len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
        if size > self.settings.max_input_tokens:  # checked first: finding mentions in a long text costs too
            return LlmResult(Recognition(None, source=Source.LLM), "",
                             f"not read: {size} tokens, more than {self.settings.max_input_tokens}")
        skipped = not_for_the_model(text, self.vocab) or (
            describes_a_device(text, self.home, self.vocab) and "a device described, not a request")
        if skipped:
            return LlmResult(Recognition(None, source=Source.LLM), "none", skipped)
        said, meant = self._offers(text, context)
        allowed = _joined(said, meant)
        if allowed == [self.vocab.phrases["none"]]:  # nothing to choose: the model is not asked
            return LlmResult(Recognition(None, source=Source.LLM), allowed[0], None)
        if len(allowed) == 2 and self.vocab.only_directions(text):
            # A verb alone that one device takes ("skip" in a home with one TV): the tiny model prefers
            # "none" for a command that names no device (measured: 切歌, 下一集), and there is nothing to read.
            recognition = self.templates.recognize(allowed[1], context)
            refused = refusal(text, recognition.intent, self.vocab)
            return LlmResult(replace(recognition, source=Source.LLM) if not refused else
                             Recognition(None, source=Source.LLM), allowed[1], refused)
        with self._lock:
            choice = choose(self.llm, self.chat, self.messages(text), allowed,
                            deadline=start + self.settings.deadline_ms / 1000 if deadline is None else deadline,
                            max_new_tokens=self.settings.max_input_tokens, fixed_tokens=self.fixed_tokens())
        ms = (time.perf_counter() - start) * 1000
        answer, probability = choice.text, choice.confidence
        tokens = (choice.new_prompt_tokens, choice.completion_tokens)
        nothing = Recognition(None, source=Source.LLM, confidence=probability)
        if choice.over_budget:
            return LlmResult(nothing, answer, f"not read: {choice.over_budget}", *tokens, ms)
        if answer == "none" or not answer:
            return LlmResult(nothing, answer, None, *tokens, ms)
        recognition = self.templates.recognize(answer, context)
        least = self.settings.min_confidence if answer in said else self.settings.min_confidence_meaning
        refused = refusal(text, recognition.intent, self.vocab) or (
            f"confidence {probability:.2f} below {least:.2f}" if probability < least else None) or (
            # The model and the embedding must agree on the device (measured: SmolLM2-135M alone chose
            # another device than the one meant 9 times in 15; docs/understanding.md).
            "not the device nearest in meaning" if answer not in said and answer not in meant[0] else None)
        if refused:
            return LlmResult(nothing, answer, refused, *tokens, ms)
        return LlmResult(replace(recognition, source=Source.LLM, confidence=probability), answer, None, *tokens, ms,
                         meant=answer not in said)


def inner_command(text: str, templates: TemplateRecognizer, context: dict[str, Any], question: bool) -> list[str]:
    """The longest end of ``text`` that the templates read on their own, after at most INNER words they
    do not read ("I need to add rice to my list"): the user's own command, offered as it was said (a
    question only for a question). A list's item is whatever was said, so no other answer carries it.
    Words after a command are never cut: they may say how ("close the curtain halfway" is no "close the
    curtain")."""
    spans = list(re.finditer(r"\S+", text))
    for start in spans[1:min(INNER + 1, len(spans) - 1)]:
        rest = text[start.start():]
        intent = templates.recognize(rest, context).intent
        if intent is not None and (intent in QUERY_INTENTS) == question:
            return [rest]
    return []


def _joined(said: list[str], meant: list[list[str]]) -> list[str]:
    """The answers the words offer, then those meaning offers, each once."""
    return list(dict.fromkeys([*said, *(command for device in meant for command in device)]))
