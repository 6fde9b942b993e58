"""Settings of the local page (``page:`` in config.yaml), apart from the page so the config loads light."""

from __future__ import annotations

import ipaddress
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class PageSettings(BaseModel):
    """The local page (``page:`` in config.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    """Serve the page from ``hearth run`` and ``hearth hub``."""
    host: str = "127.0.0.1"
    """Address to listen on: loopback by default; ``0.0.0.0`` opens it to the LAN (then a token is needed)."""
    port: int = Field(8765, ge=1, le=65535)
    """TCP port."""
    token: Optional[str] = Field(None, min_length=12)
    """Secret asked for once (``?token=...``, then kept in a cookie); required when the page is not on
    loopback. Better set it with the environment variable HEARTH_PAGE_TOKEN."""

    keep_audio_seconds: float = Field(0.0, ge=0.0, le=7 * 24 * 3600.0)
    """Keep each spoken utterance's audio this long, to listen to on the page (in memory only, deletable
    there); 0: never kept."""

    def problem(self) -> Optional[str]:
        """Why the page may not be served as set, or None (checked when it starts, after the token may
        have come from the environment)."""
        if self.enabled and not is_loopback(self.host) and not self.token:
            return "page.token (or HEARTH_PAGE_TOKEN) is needed when page.host opens the page beyond this machine"
        return None


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
