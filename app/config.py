"""Hearth's configuration: frozen, validated settings loaded from YAML.

Each stage owns its settings type, next to its code (``vad:`` is
:class:`app.listen.vad.EndPointSettings`, ``llm:`` is
:class:`intents.llm.LlmSettings`...); this module assembles them into the
file's shape and validates it. Every section is a frozen pydantic model that
forbids unknown keys, so a typo
in ``config.yaml`` is reported instead of silently ignored. Loading errors are
raised as :class:`ConfigError` with one line naming the file, the key and what
was expected; the CLI turns that into exit status 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.audio import AudioSettings
from app.broker.settings import HomeAssistantSettings
from app.core.settings import ConversationSettings, IntentSettings
from app.listen.vad import EndPointSettings
from app.listen.wake import WakeSettings
from app.speak.settings import TtsSettings
from app.stt.settings import RescoreSettings, SttSettings
from app.timers.settings import TimerSettings
from app.web.settings import PageSettings
from app.wyoming.settings import WyomingSettings
from devices.entity_config import AreaConfig, DeviceConfig, FloorConfig
from devices.files import read_yaml
from devices.mqtt_settings import MqttSettings
from intents.settings import HermesSettings, LlmSettings

#: Environment variables that override secrets and connection settings.
ENV_MQTT_PASSWORD = "HEARTH_MQTT_PASSWORD"
ENV_MQTT_USERNAME = "HEARTH_MQTT_USERNAME"
ENV_CONFIG = "HEARTH_CONFIG"
ENV_PAGE_TOKEN = "HEARTH_PAGE_TOKEN"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message is one line."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecuritySettings(_Section):
    """What Hearth will not do on one utterance, and what it keeps private."""

    confirm_seconds: float = Field(15.0, ge=2.0, le=120.0)
    """How long a sensitive action waits for its spoken "yes"."""
    log_transcripts: bool = False
    """Write what was heard into the log (off: only intents and timings)."""


class Settings(_Section):
    """The whole configuration file."""

    site: str = Field("hearth", min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    """Id of this device; used in MQTT topics."""
    area: Optional[str] = None
    """Area this device is in, so "in here" means that room."""
    sites: dict[str, str] = {}
    """Other sites (satellites) and the area each is in."""
    home_file: Optional[str] = None
    """Optional file in Home Assistant's test-fixture format (floors, areas, entities)."""
    topic_base: Optional[str] = None
    """Give entities without MQTT topics ``<topic_base>/<object_id>/set`` and ``/state``."""
    mqtt: MqttSettings = MqttSettings()
    """Broker connection."""
    intents: IntentSettings = IntentSettings()
    """Intent recognition."""
    llm: LlmSettings = LlmSettings()
    """The language model stage."""
    stt: SttSettings = SttSettings()
    """Speech-to-text."""
    repair: RescoreSettings = RescoreSettings()
    """Repair of misheard transcripts, judged by the audio."""
    wake: WakeSettings = WakeSettings()
    """Wake word."""
    vad: EndPointSettings = EndPointSettings()
    """End-of-speech detection."""
    tts: TtsSettings = TtsSettings()
    """Text-to-speech."""
    security: SecuritySettings = SecuritySettings()
    """Confirmations and privacy."""
    conversation: ConversationSettings = ConversationSettings()
    """Questions asked back: listening for the answer, how long it may take."""
    timers: TimerSettings = TimerSettings()
    """Timers and delayed commands (``hearth run`` and ``hearth hub``)."""
    wyoming: WyomingSettings = WyomingSettings()
    """Hearth as Wyoming services for Home Assistant's Assist (``hearth wyoming``)."""
    audio: AudioSettings = AudioSettings()
    """Sound card."""
    homeassistant: HomeAssistantSettings = HomeAssistantSettings()
    """MQTT discovery: import devices, announce Hearth."""
    page: PageSettings = PageSettings()
    """The local page: what was heard and done, corrections, the home (off by default)."""
    hermes: HermesSettings = HermesSettings()
    """Hermes protocol output and input."""
    floors: list[FloorConfig] = []
    """Floors of the home."""
    areas: list[AreaConfig] = []
    """Areas of the home."""
    devices: list[DeviceConfig] = []
    """Devices (entities) Hearth may control."""

    def client_id(self, role: str) -> str:
        """The MQTT client id of one process: ``<mqtt.client_id or hearth-<site>>-<role>``. A broker closes
        the older of two connections with one id, so ``hearth run`` beside ``hearth wyoming`` (or a
        one-shot ``hearth ask``) would take turns knocking each other off, each fall firing the will."""
        return f"{self.mqtt.client_id or f'hearth-{self.site}'}-{role}"

    def with_language(self, language: str) -> "Settings":
        """These settings in another language (validated: ConfigError when Hearth has no words for it)."""
        try:
            intents = IntentSettings.model_validate({**self.intents.model_dump(), "language": language})
        except ValidationError as err:
            raise ConfigError(f"language {language!r}: {err.errors()[0]['msg']}") from None
        return self.model_copy(update={"intents": intents})

    def with_env(self, environ: dict[str, str] | None = None) -> "Settings":
        """Return settings with secrets taken from the environment where set."""
        env = os.environ if environ is None else environ
        updates: dict[str, Any] = {}
        if env.get(ENV_MQTT_PASSWORD):
            updates["password"] = env[ENV_MQTT_PASSWORD]
        if env.get(ENV_MQTT_USERNAME):
            updates["username"] = env[ENV_MQTT_USERNAME]
        settings = self.model_copy(update={"mqtt": self.mqtt.model_copy(update=updates)}) if updates else self
        if env.get(ENV_PAGE_TOKEN):
            settings = settings.model_copy(update={"page": settings.page.model_copy(
                update={"token": env[ENV_PAGE_TOKEN]})})
        return settings


def _describe(error: dict[str, Any]) -> str:
    """One error of pydantic's as ``key.path: what was expected``."""
    loc = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{loc}: unknown key"
    if error["type"] == "unknown_keys":  # the entity's own message, naming every key: said as it is
        return f"{loc}: {error['msg']}"
    value = error.get("input")
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return f"{loc}: {error['msg'].lower()} (got {shown[:60]})"


def parse_settings(data: Any, source: str) -> Settings:
    """Validate already-parsed YAML; ``source`` names it in error messages."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings at the top level")
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        errors = err.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{source}: {_describe(errors[0])}{more}") from None


def load_settings(path: str | Path | None) -> Settings:
    """Load and validate a configuration file; None gives the built-in defaults."""
    if path is None:
        return Settings().with_env()
    data = read_yaml(path, "configuration file", ConfigError)
    return parse_settings(data, str(path)).with_env()


def default_config_path(cwd: Path | None = None) -> Path | None:
    """The configuration to use when none is given: $HEARTH_CONFIG, then ./config.yaml."""
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    local = (cwd or Path.cwd()) / "config.yaml"
    return local if local.is_file() else None
