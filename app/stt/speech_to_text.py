"""Speech-to-text with faster-whisper's CTranslate2 model, sized for short commands.

Whisper pads every clip to a 30 s window, and the encoder's cost grows with
the window. Commands are a few seconds long, so Hearth encodes a shorter
window (10 s by default) and bounds the decode length by the clip's duration,
which stops the repetition loops a short window otherwise invites. The
greedy transcript comes first; the beam's alternatives are decoded only
when the intent stage does not understand it, and it picks the first
alternative it understands. Decoding can be primed with a prompt, text read as
if it had been said just before (`app.stt.prompt` builds one from the home).
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Iterator, Optional

import ctranslate2
import numpy as np

from app.audio.inputs import SAMPLE_RATE
from app.stt.decoder import Decoder
from app.stt.grammar_search import TokenGraph, search
from app.stt.settings import SttSettings
from intents.word_graph import WordGraph
from models import ModelError
from models.whisper import load_whisper, whisper_dir

_LOGGER = logging.getLogger(__name__)

#: Decode budget: tokens per second of audio, plus a fixed allowance.
_TOKENS_PER_SECOND = 6
_TOKENS_EXTRA = 10
# Words as scored: Latin letters and digits, or any Chinese character (written without spaces).
_WORD = re.compile(r"[a-z0-9']+|[\u3400-\u9fff]+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")  # Chinese is scored as written
#: Whisper reads at most this many prompt tokens (half its text context, less one).
MAX_PROMPT_TOKENS = 223


class Hypotheses:
    """Candidate transcripts of one utterance, decoded on demand.

    The audio is encoded once; iterating yields the greedy transcript first
    and decodes the beam's alternatives only if the caller asks for more
    (most commands parse at the first try, and decoding is most of the cost).
    """

    def __init__(self, stt: "SpeechToText", samples: np.ndarray, window: float, prompt: list[int]) -> None:
        start = time.perf_counter()
        self.started = start
        """When the audio was handed over (``time.perf_counter``): the end of speech, for deadlines."""
        self._stt = stt
        self._prompt = prompt
        self.seconds = len(samples) / SAMPLE_RATE
        self.window = window
        self._encoded = stt.model.model.encode(stt._features(samples, window))
        self.no_speech_prob: Optional[float] = None
        """Whisper's probability that the audio holds no speech (known after the first decode)."""
        self.avg_logprob = 0.0
        """Average log-probability per token of the first transcript."""
        self.ms = (time.perf_counter() - start) * 1000
        """Time spent encoding and decoding so far."""
        self.samples = samples
        """The audio heard (kept by reference; the page keeps it only where the user asked it to)."""
        self.heard: list[str] = []
        """The transcripts decoded so far, likeliest first (what the page shows as alternatives)."""
        self._in_grammar: Optional[tuple[TokenGraph, dict[str, float]]] = None

    def _decode(self, beam: int) -> list[str]:
        start = time.perf_counter()
        stt = self._stt
        budget = len(self._prompt) + _TOKENS_EXTRA + int(self.seconds * _TOKENS_PER_SECOND)
        first = self.no_speech_prob is None  # Whisper's no-speech judgement comes with the first decode
        result = stt.model.model.generate(self._encoded, [self._prompt], beam_size=beam, num_hypotheses=beam,
                                          max_length=min(budget, 448), suppress_blank=True,
                                          return_no_speech_prob=first, return_scores=first)[0]
        if first:
            self.no_speech_prob = float(result.no_speech_prob)
            self.avg_logprob = float(result.scores[0]) if result.scores else 0.0
        eot = stt._tokenizer.eot
        texts = [trim_repeats(stt._tokenizer.decode([t for t in ids if t < eot])) for ids in result.sequences_ids]
        self.ms += (time.perf_counter() - start) * 1000
        return [t for t in texts if t]

    @property
    def silent(self) -> bool:
        """True when Whisper judged the audio to hold no speech (after the first decode)."""
        settings = self._stt.settings
        return self.no_speech_prob is not None and self.no_speech_prob > settings.no_speech_threshold \
            and self.avg_logprob < settings.no_speech_logprob

    def likelihoods(self, texts: list[str]) -> list[float]:
        """Log-probability of each text under the model given this audio (lower case, no punctuation,
        so that spelling does not count): how well each candidate fits what was said."""
        start = time.perf_counter()
        stt = self._stt
        tokens = [stt._tokenizer.encode(" " + _CJK_GAP.sub("", " ".join(_WORD.findall(t.lower()))))
                  + [stt._tokenizer.eot] for t in texts]
        encoded = np.asarray(self._encoded)
        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(encoded, len(texts), axis=0)))
        # Judged without the prompt: it is a bias for finding words, not evidence of what was said,
        # and scoring it with every candidate would cost a decoder pass over it each time.
        results = stt.model.model.align(batch, stt._start(""), tokens, int(self.window * 100))
        self.ms += (time.perf_counter() - start) * 1000
        return [float(np.sum(np.log(np.maximum(r.text_token_probs, 1e-12)))) for r in results]

    def in_grammar(self, graph: WordGraph, results: int = 4) -> list[str]:
        """The sentences of ``graph`` this audio supports best, likeliest first (decoding constrained to
        them, `app.stt.grammar_search`); once per utterance."""
        stt = self._stt
        tokens = stt.token_graph(graph)
        if self._in_grammar is None or self._in_grammar[0] is not tokens:
            start = time.perf_counter()
            found = search(stt.decoder().start(np.asarray(self._encoded)), stt._start(""), tokens,
                           stt.projection(tokens), results=results)
            margins: dict[str, float] = {}
            for one in found:
                margins.setdefault(stt._tokenizer.decode(one.tokens).strip(), one.margin)
            self._in_grammar = (tokens, margins)
            self.ms += (time.perf_counter() - start) * 1000
        return list(self._in_grammar[1])

    def value_margin(self, text: str) -> float:
        """For a sentence `in_grammar` found: how much likelier the audio made each value it says (a number,
        a name) than any other allowed there, the least of them (infinite for other texts, or without values)."""
        return self._in_grammar[1].get(text, math.inf) if self._in_grammar is not None else math.inf

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for beam in (1, self._stt.settings.beam_size) if self._stt.settings.beam_size > 1 else (1,):
            texts = self._decode(beam)
            if self.silent:
                _LOGGER.info("No speech heard (Whisper: %.2f no speech, %.2f per token)", self.no_speech_prob,
                             self.avg_logprob)
                return
            for text in texts:
                if text not in seen:
                    seen.add(text)
                    self.heard.append(text)
                    yield text


@dataclass(frozen=True)
class Transcript:
    """What speech-to-text heard, fully decoded."""

    hypotheses: tuple[str, ...]
    """Candidate texts, most likely first (empty when nothing was heard)."""
    window_seconds: float
    """Encoder window used."""
    ms: float
    """Time taken."""

    @property
    def text(self) -> str:
        """The most likely text."""
        return self.hypotheses[0] if self.hypotheses else ""


def _collapse_runs(text: str) -> str:
    """A phrase of up to four words said three or more times in a row, once."""
    words = text.split()
    for size in range(1, 5):
        i = 0
        while i + 3 * size <= len(words):
            phrase = [w.strip(".,!?").lower() for w in words[i:i + size]]
            j = i + size
            while j + size <= len(words) and [w.strip(".,!?").lower() for w in words[j:j + size]] == phrase:
                j += size
            if j - i >= 3 * size:
                del words[i + size:j]
            i += 1
    return " ".join(words)


def trim_repeats(text: str) -> str:
    """Drop the echo a short window can cause ("Turn off the light. Turn off the")."""
    text = _collapse_runs(text)
    parts = [p.strip() for p in re.split(r"(?<=[.,!?])\s+", text.strip()) if p.strip()]
    if not parts:
        return ""
    first = parts[0].rstrip(".,!?").lower()
    kept = [parts[0]]
    for part in parts[1:]:
        bare = part.rstrip(".,!?").lower()
        if not (first.startswith(bare) or bare.startswith(first)):
            kept.append(part)
    return " ".join(kept).strip()


class SpeechToText:
    """``load()`` once, then ``transcribe()`` each utterance."""

    def __init__(self, settings: SttSettings = SttSettings(), language: str = "en") -> None:
        self.settings = settings
        self.language = language
        """Hearth's language (``intents.language``); Whisper is told its code ("zh" for "zh-cn")."""
        self._whisper_language = language.split("-")[0]
        self.model = None
        self.load_seconds = 0.0
        self._prompts: dict[str, list[int]] = {}
        self._decoder: Optional[Decoder] = None
        self._graph: Optional[tuple[WordGraph, TokenGraph, np.ndarray]] = None

    def load(self) -> "SpeechToText":
        """Load the model (raises models.ModelError with a clear message)."""
        from faster_whisper.tokenizer import Tokenizer

        start = time.perf_counter()
        self.model = load_whisper(whisper_dir(self.settings.model, self.language), self.settings.compute_type,
                                  self.settings.threads)
        if not self.model.model.is_multilingual and self._whisper_language != "en":
            raise ModelError(f"{self.settings.model}: an English-only speech model cannot hear {self.language} "
                             "(set stt.model to a multilingual one, or null for the packaged one)")
        # The language is forced, never detected: a short command is too little audio to tell.
        self._tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                    task="transcribe", language=self._whisper_language)
        self.hypotheses(np.zeros(SAMPLE_RATE, dtype=np.float32)).ms  # warm-up: first call allocates
        self.load_seconds = time.perf_counter() - start
        return self

    def decoder(self) -> Decoder:
        """The model's decoder in numpy, for decoding constrained to a grammar (loaded on first use)."""
        if self._decoder is None:
            self._decoder = Decoder(whisper_dir(self.settings.model, self.language))
        return self._decoder

    def token_graph(self, graph: WordGraph) -> TokenGraph:
        """``graph`` in this model's tokens; built again only for another graph (a home or sentences changed)."""
        if self._graph is None or self._graph[0] is not graph:
            tokens = TokenGraph(graph, self._tokenizer.encode, self._tokenizer.eot, len(self.decoder().embeddings))
            self._graph = (graph, tokens, self.decoder().projection(tokens.columns))
        return self._graph[1]

    def projection(self, tokens: TokenGraph) -> np.ndarray:
        """The decoder's output embeddings of ``tokens``' columns."""
        if self._graph is None or self._graph[1] is not tokens:
            raise ValueError("a grammar this speech model did not build")
        return self._graph[2]

    def _start(self, prompt: str) -> list[int]:
        """The decoder's start tokens: the prompt, read as if said just before, then Whisper's own.
        Whisper keeps the end of a prompt that is too long, and so does this."""
        if prompt not in self._prompts:
            tokens = self._tokenizer.encode(" " + prompt.strip())[-MAX_PROMPT_TOKENS:] if prompt.strip() else []
            primed = [self._tokenizer.sot_prev, *tokens] if tokens else []
            if len(self._prompts) > 8:
                self._prompts.clear()  # a home that keeps changing must not grow this
            self._prompts[prompt] = [*primed, *self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        return self._prompts[prompt]

    def _features(self, samples: np.ndarray, window: float) -> "object":
        size = int(window * SAMPLE_RATE)
        padded = np.zeros(size, dtype=np.float32)
        padded[:min(size, len(samples))] = samples[:size]
        mel = self.model.feature_extractor(padded, chunk_length=int(window))[:, : int(window * 100)]
        return ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))

    def hypotheses(self, samples: np.ndarray, prompt: str = "") -> Hypotheses:
        """Lazily decoded candidates for float32 16 kHz audio, decoding primed with ``prompt``
        (`app.stt.prompt`)."""
        if self.model is None:
            raise RuntimeError("SpeechToText.load() was not called")
        window = self.settings.window_seconds
        if len(samples) / SAMPLE_RATE > window:
            window = 30.0  # long utterance: Whisper's own window
        return Hypotheses(self, samples, window, self._start(prompt))

    def transcribe(self, samples: np.ndarray, prompt: str = "") -> Transcript:
        """Every candidate, decoded now."""
        hypotheses = self.hypotheses(samples, prompt)
        texts = tuple(hypotheses)
        return Transcript(texts, hypotheses.window, hypotheses.ms)

    def transcribe_default(self, samples: np.ndarray) -> Transcript:
        """faster-whisper's own path with its defaults (30 s window, beam 5): the baseline of `hearth bench`."""
        start = time.perf_counter()
        segments, _ = self.model.transcribe(samples, language=self._whisper_language)
        text = " ".join(segment.text.strip() for segment in segments).strip()
        return Transcript((text,) if text else (), 30.0, (time.perf_counter() - start) * 1000)
