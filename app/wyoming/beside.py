"""The Wyoming server beside ``hearth run`` or ``hearth hub`` (``wyoming.enabled``), over their assistant."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Optional

from app.config import Settings
from app.core.assistant import Assistant
from app.speak.tts import TextToSpeech
from app.wyoming.server import ThreadedServer, WyomingServer
from app.wyoming.services import Services


def serve_beside(assistant: Assistant, settings: Settings, tts: Optional[TextToSpeech], stack: ExitStack) -> None:
    """With ``wyoming.enabled``, serve Wyoming on a thread of its own until ``stack`` closes."""
    if settings.wyoming.enabled:
        server = ThreadedServer(WyomingServer(Services(assistant, tts, settings.wyoming))).start()
        stack.callback(server.stop)
