"""Constrained decoding: the model may only write one of a given set of answers.

The set is finite (every plain command over what the user mentioned), so it
is decoded as a token trie: at each step only tokens that continue some
answer are allowed, and the most likely of them under the model is taken.
This is the same as a grammar, without llama.cpp's grammar sampler testing
every token of the vocabulary at every step (60 ms a token for SmolLM2 on two
cores, against about 10 ms here). The prompt is formatted with the model's
own chat template, and whatever it shares with the previous request (the
instructions and static examples) is reused from the KV cache.

Its cost is bounded: a request whose new words exceed a token budget is
refused before anything is evaluated, and the words are evaluated a few
tokens at a time with a deadline checked in between and at every decoding
step, so a machine whose cores are busy with other work makes Hearth refuse
sooner, never stall.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class Choice:
    """The answer the model chose."""

    text: str
    """One of the allowed answers."""
    probability: float
    """The model's own probability of that answer (unconstrained: the product of its token probabilities)."""
    confidence: float
    """Its probability among the allowed answers only: how sure it was of this answer rather than another."""
    prompt_tokens: int
    """Tokens in the prompt."""
    new_prompt_tokens: int
    """Of which evaluated now (the rest came from the KV cache)."""
    completion_tokens: int
    """Tokens of the answer."""
    over_budget: Optional[str] = None
    """Why no answer was chosen: the words were too long, or the deadline passed (``text`` is "")."""


#: Tokens evaluated between two looks at the clock.
_STEP = 8


class ChatPrompt:
    """Formats messages with the chat template stored in the GGUF file."""

    def __init__(self, llm: Any) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        metadata = getattr(llm, "metadata", {}) or {}
        template = metadata.get("tokenizer.chat_template")
        if not template:  # a base model without one: ChatML, which small models know
            template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
        vocab = llm._model
        eos = llm.detokenize([vocab.token_eos()]).decode("utf-8", "ignore") if vocab.token_eos() >= 0 else ""
        bos = llm.detokenize([vocab.token_bos()]).decode("utf-8", "ignore") if vocab.token_bos() >= 0 else ""
        self.formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        self.llm = llm
        # How the template ends an assistant turn: the answer is followed by it.
        probe = self.formatter(messages=[{"role": "assistant", "content": "X"}], add_generation_prompt=False).prompt
        self.end_of_turn = probe.split("X", 1)[1].strip() if "X" in probe else ""

    def tokens(self, messages: list[dict[str, str]]) -> list[int]:
        prompt = self.formatter(messages=messages).prompt
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)


def _log_softmax_at(logits: np.ndarray, token: int) -> float:
    top = float(logits.max())
    return float(logits[token]) - top - math.log(float(np.exp(logits - top).sum()))


def _evaluate(llm: Any, tokens: list[int], deadline: float) -> bool:
    """Evaluate ``tokens`` a few at a time; False when the deadline passed first."""
    for start in range(0, len(tokens), _STEP):
        if time.perf_counter() > deadline:
            return False
        llm.eval(tokens[start:start + _STEP])
    return True


def choose(llm: Any, chat: ChatPrompt, messages: list[dict[str, str]], answers: Sequence[str],
           deadline: float = math.inf, max_new_tokens: int = 1_000_000, fixed_tokens: int = 0) -> Choice:
    """The most likely of ``answers`` as the model's reply to ``messages``, unless more than
    ``max_new_tokens`` of the request's own (past the ``fixed_tokens`` every request shares) must be
    evaluated or the clock (``time.perf_counter``) passes ``deadline``."""
    prompt = chat.tokens(messages)
    end = llm.tokenize(chat.end_of_turn.encode("utf-8"), add_bos=False, special=True) if chat.end_of_turn else [llm.token_eos()]
    sequences = [llm.tokenize(a.encode("utf-8"), add_bos=False, special=False) + end[:1] for a in answers]
    cached = 0
    previous = llm.input_ids[: llm.n_tokens].tolist()
    while cached < min(len(previous), len(prompt) - 1) and previous[cached] == prompt[cached]:
        cached += 1
    llm.n_tokens = cached  # keep the shared prefix in the KV cache; eval() drops the rest
    new = len(prompt) - cached
    # The shared prompt missing from the cache (another home's was there) is no fault of the words: only
    # the request's own tokens count; the deadline still bounds the whole evaluation.
    own = len(prompt) - max(cached, min(fixed_tokens, len(prompt) - 1))
    if own > max_new_tokens:
        return Choice("", 0.0, 0.0, len(prompt), 0, 0, f"{own} new tokens, more than {max_new_tokens}")
    late = Choice("", 0.0, 0.0, len(prompt), new, 0, "past the deadline")
    if not _evaluate(llm, prompt[cached:], deadline):
        return late
    chosen: list[int] = []
    alive = list(range(len(sequences)))
    log_probability = log_decisive = 0.0
    n_vocab = llm.n_vocab()
    while True:
        logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(n_vocab,))
        allowed = {sequences[i][len(chosen)] for i in alive}
        token = max(allowed, key=lambda t: logits[t])
        log_probability += _log_softmax_at(logits, token)
        if len(allowed) > 1:  # how decisively it chose among the answers still open
            options = np.array([logits[t] for t in allowed], dtype=np.float64)
            log_decisive += float(logits[token]) - float(options.max()) - math.log(float(np.exp(options - options.max()).sum()))
        chosen.append(token)
        alive = [i for i in alive if sequences[i][len(chosen) - 1] == token]
        done = [i for i in alive if len(sequences[i]) == len(chosen)]
        if done:
            return Choice(answers[done[0]], math.exp(log_probability), math.exp(log_decisive), len(prompt),
                          len(prompt) - cached, len(chosen))
        if time.perf_counter() > deadline:
            return late
        llm.eval([token])
