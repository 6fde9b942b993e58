"""``wyoming:`` in config.yaml: Hearth's Wyoming server."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


class WyomingSettings(BaseModel):
    """``hearth wyoming``: Hearth's parts as Wyoming services for Home Assistant's Assist."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    uri: str = "tcp://0.0.0.0:10300"
    """Where to listen (``tcp://host:port``, or ``unix://path``)."""
    enabled: bool = False
    """Also serve Wyoming inside ``hearth run`` and ``hearth hub`` (``hearth wyoming`` always serves)."""
    zeroconf: bool = True
    """Announce the server on the LAN (``_wyoming._tcp``) so Home Assistant discovers it."""
    zeroconf_name: Optional[str] = None
    """Name announced (default: the machine's MAC address, as Wyoming servers do)."""
    understanding: Literal["handled", "intent"] = "handled"
    """``handled``: Hearth carries commands out over MQTT and Home Assistant speaks the reply; ``intent``:
    Hearth only understands, and Home Assistant carries out the intent on its own entities."""
    site: Optional[str] = None
    """Site whose room "in here" means for Home Assistant's requests (default: ``site``)."""
    max_audio_seconds: float = Field(30.0, ge=1.0, le=300.0)
    """Longest audio one transcription takes, counted in the format the client declares; more is refused.
    That format must be 8,000 to 48,000 Hz, 1 to 4 bytes a sample, 1 to 8 channels (``app.wyoming.audio``);
    audio declared otherwise is refused with an ``error`` event before it is converted, since converting
    trusts the declared rate (``rate: 1`` would turn 20 KB into 320 MB)."""
    max_text_length: int = Field(2000, ge=1, le=100_000)
    """Longest text one synthesis takes."""
    idle_timeout: float = Field(30.0, gt=0.0, le=3600.0)
    """Seconds a client may take to send its next whole event; then its connection is closed, so idle or
    trickling connections do not pile up (Home Assistant opens one per request and streams without pause)."""
    write_timeout: float = Field(10.0, gt=0.0, le=600.0)
    """Seconds a client may leave Hearth's answer unread (its socket full) before it is dropped; a slow
    reader holds up only its own connection, never the others'."""
    max_connections: int = Field(64, ge=1, le=10_000)
    """Connections served at once; more are refused with an ``error`` event, so a flood of connections
    cannot use up the process's file descriptors (often 1,024)."""
