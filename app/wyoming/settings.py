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
    """Longest audio one transcription takes; more is refused."""
    max_text_length: int = Field(2000, ge=1, le=100_000)
    """Longest text one synthesis takes."""
