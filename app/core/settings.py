"""Settings of understanding and conversation (``intents:``, ``conversation:`` in config.yaml), apart from the stages so the config loads light."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from devices.value_template import TemplateError, check
from intents.vocabulary import vocabulary


class IntentSettings(BaseModel):
    """Intent recognition (``intents:`` in config.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = "en"
    """Language of the sentence templates, responses and vocabulary: one with a vocabulary data file
    (``en``, ``zh-cn``, ``de``), written as Home Assistant's intents name it, in any case."""
    max_text_length: int = Field(500, ge=1, le=100_000)
    """Longer utterances are refused before recognition."""
    stage: Literal["both", "templates", "llm"] = "both"
    """``both``: templates first, the LLM when they find nothing; or one of them only."""
    decision_deadline_ms: float = Field(1300.0, ge=100.0, le=60_000.0)
    """From the end of speech to the decision: past it, the repair of a misheard transcript and the
    LLM stage give up and Hearth does not act, so a busy machine refuses instead of stalling."""
    unknown_words: int = Field(1, ge=0, le=100)
    """For a language whose words are not repaired by sound (Chinese), a spoken transcript with more
    words than this that no template, name or phrase uses is garbled, and the LLM stage does not read
    it: one such word is usually a character heard for another ("掉到" for 调到), two a garbled
    transcript the model would still read as a command (figures: docs/design.md, "Settings and why")."""
    taught_file: Optional[str] = None
    """Where ``hearth teach`` keeps phrases; null: ``$XDG_DATA_HOME/hearth/taught.yaml``
    (``~/.local/share/hearth/taught.yaml``)."""
    custom_sentences: Optional[str] = None
    """A folder of the user's own sentences in Home Assistant's format, ``<folder>/<language>/*.yaml``
    (as Home Assistant's ``custom_sentences``); read again whenever a file changes. null: none."""
    actions: dict[str, CustomAction] = {}
    """What Hearth does for the user's own intents beyond publishing the intent event: an MQTT message
    and a reply, templated from the slots."""

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        """Only a language Hearth has words for; its name as the vocabulary spells it."""
        return vocabulary(value).language


class ConversationSettings(BaseModel):
    """How a conversation continues after Hearth asks something back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    follow_up_seconds: float = Field(5.0, ge=0.0, le=30.0)
    """After a question, how long Hearth listens for the answer without the wake word (0: not at all)."""
    question_seconds: float = Field(15.0, ge=2.0, le=120.0)
    """How long a "which one?" stays open for its answer."""
    correction_seconds: float = Field(30.0, ge=0.0, le=600.0)
    """How long after a command a correction ("no, the hallway lamp") may still take it back (0: never)."""
    learn_corrections: bool = True
    """Teach the words corrected the corrected command (kept with ``hearth teach``'s phrases)."""


class CustomAction(BaseModel):
    """What Hearth does for one of the user's intents (``intents.actions.<Intent>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: Optional[str] = None
    """MQTT topic to publish to, a template over the slots (``garden/zone/{{ zone }}/set``); null: none."""
    payload: str = ""
    """The message, a template over the slots (``{"minutes": {{ minutes }}}``)."""
    reply: Optional[str] = None
    """What Hearth says, a template over the slots; null: the files' response for the intent, else "Done"."""
    confirm: bool = False
    """Ask for a spoken yes before acting (a garage door, a water valve), as for a lock."""

    @field_validator("topic", "payload", "reply")
    @classmethod
    def _template(cls, value: Optional[str]) -> Optional[str]:
        """A template that does not compile is refused when the config is read, not when it is said."""
        if value is not None:
            try:
                check(value)
            except TemplateError as err:
                raise ValueError(f"not a template: {err}") from None
        return value
