"""Settings of the MQTT connection (``mqtt:`` in config.yaml), apart from the client so the config loads light."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


class TlsSettings(BaseModel):
    """MQTT over TLS."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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


class MqttSettings(BaseModel):
    """Connection to the home's MQTT broker."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: Optional[str] = None
    """Broker host name; null means no broker (``ask`` sends nothing)."""
    port: int = Field(1883, ge=1, le=65535)
    """Broker port."""
    username: Optional[str] = None
    """User name; the environment variable HEARTH_MQTT_USERNAME overrides it."""
    password: Optional[str] = None
    """Password; prefer the environment variable HEARTH_MQTT_PASSWORD."""
    client_id: Optional[str] = None
    """Start of each process's MQTT client id (``<client_id>-run``, ``-wyoming``, ``-ask-<pid>``...); defaults
    to ``hearth-<site>``."""
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
