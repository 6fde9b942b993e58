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
(:mod:`intents.constrained`). Negated commands, questions turned into actions,
statements without a word asking for anything, and answers the model was not
sure of among the allowed ones are never acted on.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Any, Optional


from devices.commands import COLORS
from devices.registry import Home
from intents.bank import Example, sample_bank
from intents.canonical import answers, find_mentions, nearby_names, render, words
from intents.constrained import ChatPrompt, choose
from intents.schema import Recognition, Source
from intents.templates import TemplateRecognizer, build_slot_lists

SYSTEM = ("Rewrite the user's words as one plain smart-home command, like the examples. "
          "Answer none if the words are not a command or question for a device, or ask not to do something.")
_NEGATION = re.compile(r"\b(don't|dont|do not|never|not)\b")
_QUESTION = re.compile(r"^(is|are|was|were|what|what's|whats|how|which|does|do|did|has|have)\b")
QUESTIONS = {"HassGetState", "HassClimateGetTemperature"}
#: Words that ask for something to happen; an utterance with none of them is a statement
#: ("I bought a new lamp for the bedroom"), never a command, whatever the model makes of it.
ACTION_CUES = frozenset(
    "on off open close shut lock unlock set turn switch start stop dim brighten brighter darker make put kill "
    "activate run pause resume play bring raise lower up down percent degrees degree warmer cooler heat cool "
    "send dock return clean vacuum flip fire kick".split()
    + list(COLORS))


#: For an answer starting with these verbs, the user must have said one of these words: a transcript
#: that turned "off" into "up" must not become "turn on".
DIRECTION_WORDS = {
    "turn on": {"on", "activate", "start", "enable", "fire", "power"},
    "turn off": {"off", "deactivate", "disable", "kill", "shut", "stop", "out"},
    "open": {"open", "raise", "up"}, "close": {"close", "shut", "lower", "down"},
    "lock": {"lock", "secure"}, "unlock": {"unlock"},
}


def _direction_said(answer: str, text: str) -> bool:
    heard = set(words(text))
    for verb, said in DIRECTION_WORDS.items():
        if answer.startswith(verb + " "):
            return bool(heard & said)
    return True


def refusal(text: str, answer: str, intent: Optional[str]) -> Optional[str]:
    """Why the command the model chose must not be carried out, or None."""
    lowered = text.casefold().strip()
    if intent is None:
        return "the templates do not read the rewritten command"
    if intent in QUESTIONS:
        return None
    if _NEGATION.search(lowered):
        return "the command is negated"
    if _QUESTION.match(lowered):
        return "a question cannot change anything"
    if not set(words(text)) & ACTION_CUES:
        return "no word asks for an action (a statement?)"
    if not _direction_said(answer, text):
        return "the words do not say which way (on or off, open or close...)"
    return None


@dataclass(frozen=True)
class LlmSettings:
    """How the LLM stage runs."""

    examples: int = 12
    """Examples in the fixed prompt (one per kind of command)."""
    min_confidence: float = 0.1
    """Below this probability of its answer among the allowed ones, the model is not trusted."""


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


class LlmRecognizer:
    """Rewrites utterances with a GGUF model into commands the template stage reads."""

    def __init__(self, llm: Any, templates: TemplateRecognizer, home: Home, settings: LlmSettings = LlmSettings()) -> None:
        self.llm = llm
        self.chat = ChatPrompt(llm)
        self.templates = templates
        self.settings = settings
        self.use_home(home)

    def use_home(self, home: Home) -> None:
        """Rebuild the example bank for a new registry."""
        self.home = home
        areas_of: dict[str, set[str]] = {}
        for entity in home.entities:
            area = home.area(entity.area_id)
            for spoken in entity.names:
                areas_of[spoken.casefold()] = {n.casefold() for n in (area.name, *area.aliases)} if area else set()
        bank = sample_bank(self.templates.intents, build_slot_lists(home), areas_of=areas_of)
        self.examples: list[tuple[Example, str]] = []
        for example in bank:
            plain = render(example.intent, dict(example.slots))
            if plain is not None:
                self.examples.append((example, plain))
        self.prompt = [{"role": "system", "content": SYSTEM}]
        for example, plain in self.static_examples(self.settings.examples):
            self.prompt += [{"role": "user", "content": example.text}, {"role": "assistant", "content": plain}]

    def static_examples(self, count: int) -> list[tuple[Example, str]]:
        """One example per kind of plain command (its verb and shape), the same for every request."""
        seen: dict[str, tuple[Example, str]] = {}
        for example, plain in self.examples:
            shape = " ".join(plain.split()[:2]) + ("%" if "%" in plain else "") + (" deg" if "degrees" in plain else "")
            if shape not in seen and len(example.text.split()) >= 4:
                seen[shape] = (example, plain)
        return list(seen.values())[:count]

    def messages(self, text: str) -> list[dict[str, str]]:
        """The chat: the fixed prompt, then the user's words."""
        return [*self.prompt, {"role": "user", "content": text}]

    def warm(self) -> None:
        """Evaluate the fixed prompt now, so the first request is as fast as the others."""
        choose(self.llm, self.chat, self.messages("hello"), ["none"])

    def recognize(self, text: str, context: Optional[dict[str, Any]] = None) -> LlmResult:
        """The model's reading of ``text`` through the templates; intent None when not to be acted on."""
        context = context or {}
        start = time.perf_counter()
        mentions = find_mentions(text, self.home)
        nearby = nearby_names(text, self.home, context.get("area"))
        if nearby:
            mentions = replace(mentions, names=tuple(sorted({*mentions.names, *nearby})))
        choice = choose(self.llm, self.chat, self.messages(text), answers(mentions, self.home, context.get("area"), text))
        ms = (time.perf_counter() - start) * 1000
        answer, probability = choice.text, choice.confidence
        tokens = (choice.new_prompt_tokens, choice.completion_tokens)
        nothing = Recognition(None, source=Source.LLM, confidence=probability)
        if answer == "none" or not answer:
            return LlmResult(nothing, answer, None, *tokens, ms)
        recognition = self.templates.recognize(answer, context)
        refused = refusal(text, answer, recognition.intent) or (
            f"confidence {probability:.2f} below {self.settings.min_confidence:.2f}"
            if probability < self.settings.min_confidence else None)
        if refused:
            return LlmResult(nothing, answer, refused, *tokens, ms)
        return LlmResult(replace(recognition, source=Source.LLM, confidence=probability), answer, None, *tokens, ms)
