"""Starting the page beside ``hearth run`` and ``hearth hub``: the journal attached, health in words."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Optional

from app.config import ConfigError, Settings
from app.core.assistant import Assistant
from app.web.journal import Journal
from app.web.page import PageServer, create_app
from devices.mqtt import MqttLink
from intents.taught import TeachError


def health(assistant: Assistant, link: Optional[MqttLink]) -> dict[str, str]:
    """Each stage's state, in words."""
    view = assistant.view
    errors = assistant.sentences.custom.errors
    return {
        "broker": "none configured" if link is None else ("connected" if link.connected else "NOT CONNECTED"),
        "speech-to-text": "loaded" if assistant.stt is not None else "none (typed commands only)",
        "templates": f"{len(view.recognizer.intents.intents)} intents, {len(view.recognizer.custom)} of your own",
        "custom sentences": "; ".join(errors) if errors else "ok",
        "LLM stage": "loaded" if view.llm is not None else (
            "templates only" if assistant.settings.intents.stage == "templates" else "not loaded yet"),
        "home": f"{len(view.home.entities)} entities, {len(view.home.areas)} areas",
    }


def serve_page(assistant: Assistant, settings: Settings, stack: ExitStack,
               link: Optional[MqttLink] = None) -> Optional[PageServer]:
    """The page, when ``page.enabled``; ConfigError when it would be open to the LAN without a token."""
    page = settings.page
    if not page.enabled:
        return None
    problem = page.problem()
    if problem is not None:
        raise ConfigError(problem)
    store = assistant.understander.taught

    def taught(text: str) -> bool:
        try:
            return store is not None and store.command_for(text) is not None
        except TeachError:  # a damaged lessons file: the utterance said so already
            return False

    journal = Journal(keep_audio_seconds=page.keep_audio_seconds, taught=taught)
    assistant.observers.append(journal.record)
    base = frozenset(e.id for e in assistant.home.entities)  # the home file's: the rest came by discovery
    app = create_app(assistant, journal, page, lambda: health(assistant, link),
                     lambda: frozenset(e.id for e in assistant.home.entities) - base)
    server = PageServer(app, page).start()
    stack.callback(server.stop)
    return server
