"""Whisper's text decoder in numpy, stepping many sentence prefixes over one encoded utterance.

CTranslate2's ``generate`` recomputes the audio's keys and values for every
prefix it is given (measured: 9 ms each with tiny.en, 300 ms for 16 prefixes
of one step), which makes a search constrained by the user's grammar
(`app.stt.grammar_search`) too slow through it. Here the audio's keys and
values are computed once per utterance, and each prefix keeps its own cache
of the words before it, so a step over several prefixes costs one small
matrix product per layer. The weights are CTranslate2's own (float16 on disk,
float32 here); the audio is encoded by CTranslate2 as for free decoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from models.ct2_weights import read_variables

_EPS = 1e-5


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function (Abramowitz and Stegun 7.1.26, within 1.5e-7): exact GELU, without scipy."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * gamma + beta


@dataclass
class _Layer:
    norms: tuple[tuple[np.ndarray, np.ndarray], ...]  # self-attention, cross-attention, feed-forward
    qkv: tuple[np.ndarray, np.ndarray]
    self_out: tuple[np.ndarray, np.ndarray]
    cross_q: tuple[np.ndarray, np.ndarray]
    cross_kv: tuple[np.ndarray, np.ndarray]
    cross_out: tuple[np.ndarray, np.ndarray]
    ffn_in: tuple[np.ndarray, np.ndarray]
    ffn_out: tuple[np.ndarray, np.ndarray]


def _linear(v: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    """A linear layer as (weight transposed, bias), float32, so that ``x @ w + b`` applies it."""
    return (np.ascontiguousarray(v[f"{name}/weight"].astype(np.float32).T),
            v[f"{name}/bias"].astype(np.float32))


def _apply(x: np.ndarray, layer: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return x @ layer[0] + layer[1]


class Decoder:
    """Whisper's decoder for one model directory (``load`` it once; ``start`` each utterance)."""

    def __init__(self, model_dir: Path) -> None:
        v = read_variables(Path(model_dir) / "model.bin", "decoder/")
        self.heads = int(v["decoder/num_heads"])
        self.embeddings = v["decoder/embeddings/weight"].astype(np.float32)
        self.positions = v["decoder/position_encodings/encodings"].astype(np.float32)
        self.final = (v["decoder/layer_norm/gamma"].astype(np.float32), v["decoder/layer_norm/beta"].astype(np.float32))
        self.layers = []
        i = 0
        while f"decoder/layer_{i}/ffn/linear_0/weight" in v:
            p = f"decoder/layer_{i}"
            norm = lambda part: (v[f"{p}/{part}/layer_norm/gamma"].astype(np.float32),  # noqa: E731
                                 v[f"{p}/{part}/layer_norm/beta"].astype(np.float32))
            self.layers.append(_Layer(
                norms=(norm("self_attention"), norm("attention"), norm("ffn")),
                qkv=_linear(v, f"{p}/self_attention/linear_0"), self_out=_linear(v, f"{p}/self_attention/linear_1"),
                cross_q=_linear(v, f"{p}/attention/linear_0"), cross_kv=_linear(v, f"{p}/attention/linear_1"),
                cross_out=_linear(v, f"{p}/attention/linear_2"),
                ffn_in=_linear(v, f"{p}/ffn/linear_0"), ffn_out=_linear(v, f"{p}/ffn/linear_1")))
            i += 1

    def projection(self, columns: np.ndarray) -> np.ndarray:
        """The output embeddings of ``columns`` (token ids), for `Session.step` to normalise over."""
        return np.ascontiguousarray(self.embeddings[columns])

    def start(self, encoded: np.ndarray) -> "Session":
        """A decoding session over one encoded utterance (``[1, frames, width]``, CTranslate2's ``encode``)."""
        return Session(self, np.asarray(encoded, dtype=np.float32)[0])


class Session:
    """Prefixes of one utterance: ``step`` feeds each prefix its next token and gives log-probabilities
    of the token after it."""

    def __init__(self, decoder: Decoder, audio: np.ndarray) -> None:
        self.decoder = decoder
        width = audio.shape[-1]
        heads = decoder.heads
        self.cross = []
        for layer in decoder.layers:  # the audio's keys and values: once per utterance
            kv = _apply(audio, layer.cross_kv)
            k, v = kv[:, :width], kv[:, width:]
            # Contiguous: numpy multiplies strided stacks of matrices without BLAS, 50 times slower.
            self.cross.append((np.ascontiguousarray(k.reshape(-1, heads, width // heads).transpose(1, 2, 0)),
                               np.ascontiguousarray(v.reshape(-1, heads, width // heads).transpose(1, 0, 2))))

    def step(self, tokens: np.ndarray, caches: list, position: int,
             projection: Optional[np.ndarray] = None) -> tuple[np.ndarray, list]:
        """``tokens`` ([beams]) at ``position``, each after its own cache (per layer: keys and values of the
        tokens before it, ``[beams, heads, position, dim]``; ``[]`` at the start): log-probabilities of the
        next token ``[beams, vocabulary]`` and the caches with this token added. ``projection``: the output
        embeddings of the tokens to normalise over (`Decoder.projection`); None: the whole vocabulary
        (reading its 80 MB is most of a step's time)."""
        d = self.decoder
        heads = d.heads
        x = d.embeddings[tokens] + d.positions[position]
        beams, width = x.shape
        dim = width // heads
        scale = dim ** -0.5  # a Python float: a numpy float64 would make every product float64
        new_caches = []
        for i, layer in enumerate(d.layers):
            h = _norm(x, *layer.norms[0])
            q, k, v = np.split(_apply(h, layer.qkv), 3, axis=-1)
            q = q.reshape(beams, heads, 1, dim)
            k = k.reshape(beams, heads, 1, dim)
            v = v.reshape(beams, heads, 1, dim)
            if caches:
                k = np.concatenate([caches[i][0], k], axis=2)
                v = np.concatenate([caches[i][1], v], axis=2)
            new_caches.append((k, v))
            att = np.exp(_log_softmax((q @ k.transpose(0, 1, 3, 2)) * scale))
            x = x + _apply((att @ v).reshape(beams, width), layer.self_out)
            h = _norm(x, *layer.norms[1])
            q = np.ascontiguousarray(_apply(h, layer.cross_q).reshape(beams, heads, dim).transpose(1, 0, 2))
            ck, cv = self.cross[i]
            att = np.exp(_log_softmax((q @ ck) * scale))
            x = x + _apply((att @ cv).transpose(1, 0, 2).reshape(beams, width), layer.cross_out)
            h = _apply(_norm(x, *layer.norms[2]), layer.ffn_in)
            x = x + _apply(0.5 * h * (1.0 + _erf(h * 0.5 ** 0.5)), layer.ffn_out)
        logits = _norm(x, *d.final) @ (d.embeddings if projection is None else projection).T
        return _log_softmax(logits), new_caches

    def prime(self, tokens: list[int], beams: int = 1,
              projection: Optional[np.ndarray] = None) -> tuple[np.ndarray, list]:
        """Feed ``tokens`` (the start sequence) one by one: the log-probabilities after the last and the
        caches, repeated for ``beams`` prefixes."""
        caches: list = []
        logp = np.zeros(0)
        for position, token in enumerate(tokens):
            logp, caches = self.step(np.array([token]), caches, position, projection)
        return np.repeat(logp, beams, axis=0), [(np.repeat(k, beams, 0), np.repeat(v, beams, 0)) for k, v in caches]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    top = x.max(-1, keepdims=True)
    return x - top - np.log(np.exp(x - top).sum(-1, keepdims=True))
