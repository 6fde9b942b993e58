"""Settings of Hearth as a Home Assistant device (``home_assistant:`` in config.yaml), apart from it so the config loads light."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from devices.ha_api import HomeAssistantApiSettings


class HomeAssistantSettings(BaseModel):
    """Home Assistant's MQTT discovery, in both directions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    discovery_prefix: str = Field("homeassistant", min_length=1, pattern=r"^[^#+$][^#+]*$")
    """Prefix of discovery configs (Home Assistant's default is ``homeassistant``)."""
    import_devices: bool = True
    """Build registry entities from the discovery configs on the broker."""
    announce: bool = True
    """Announce Hearth itself as a device (state, last transcript and intent, mute, command)."""
    share_transcript: bool = True
    """Publish the last transcript to Home Assistant (off: only the last intent)."""
    api: HomeAssistantApiSettings = HomeAssistantApiSettings()
    """Home Assistant's websocket API, read-only: names, aliases, areas, floors and which entities are
    exposed to Assist (off unless ``url`` is set; see docs/home-assistant-api.md)."""
