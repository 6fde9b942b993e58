"""Shopping and to-do lists wired into a running Hearth: kept in a file beside the timers, and published
retained on ``<topic_prefix>/<site>/lists`` (``{"count": open items, "lists": {id: [items]}}``), which
the device's "Lists" sensor in Home Assistant reads."""

from __future__ import annotations

import json
import logging
from typing import Optional

from app.core.assistant import Assistant
from devices.lists import ListError, ListStore
from devices.mqtt import MqttError, MqttLink

_LOGGER = logging.getLogger(__name__)


def lists_state(store: ListStore) -> dict[str, object]:
    """What the retained topic holds."""
    lists = store.snapshot()
    return {"count": sum(not item["complete"] for items in lists.values() for item in items), "lists": lists}


def serve_lists(assistant: Assistant, link: Optional[MqttLink] = None, sites: tuple[str, ...] = ()) -> ListStore:
    """Give ``assistant`` its lists (``lists.json`` beside the timers file) and publish them for ``sites``."""
    settings = assistant.settings
    path = settings.timers.path().with_name("lists.json")
    try:
        store = ListStore(path)
    except ListError as err:  # kept in memory: the file is left as it is for the user to look at
        _LOGGER.error("%s; lists are kept in memory until it is mended", err)
        store = ListStore()
    if link is not None:
        def publish() -> None:
            if not link.connected:
                return
            payload = json.dumps(lists_state(store), ensure_ascii=False)
            for site in sites:
                try:
                    link.publish(f"{settings.mqtt.topic_prefix}/{site}/lists", payload, retain=True, wait=False)
                except MqttError as err:
                    _LOGGER.warning("Lists not published: %s", err)

        store.listeners.append(publish)
        link.when_connected(publish)
    assistant.lists = store
    return store
