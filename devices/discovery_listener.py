"""Builds the live registry from Home Assistant's retained discovery configs.

Entities announced over MQTT discovery join the home described by the home
file and ``config.yaml``; an entry there with the same entity id overrides
what discovery said (its name, aliases, area, topics), and everything else is
extended. Each change hands the whole new :class:`Home` to ``on_change``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import replace
from typing import Callable, Iterable

from devices.discovery import (
    DiscoveredEntity,
    Discovery,
    DiscoveryError,
    parse_discovery,
    slug,
)
from devices.mqtt import MqttLink
from devices.registry import Area, Entity, Home, normalize_name

_LOGGER = logging.getLogger(__name__)


def _override(found: Entity, configured: Entity) -> Entity:
    """The configured entry wins wherever it says something."""
    return replace(
        found,
        name=configured.name,
        aliases=configured.aliases or found.aliases,
        area_id=configured.area_id or found.area_id,
        device_class=configured.device_class or found.device_class,
        attributes={**found.attributes, **configured.attributes},
        mqtt=configured.mqtt or found.mqtt,
        confirm=configured.confirm,
    )


def merge_discovered(base: Home, discovered: Iterable[DiscoveredEntity]) -> Home:
    """``base`` plus the discovered entities (in a stable order); areas from ``suggested_area``."""
    areas = list(base.areas)
    entities = {e.id: e for e in base.entities}
    configured = set(entities)
    taken: set[str] = set()
    items = sorted(discovered, key=lambda d: d.key)
    spoken = Counter(normalize_name(n) for n in [*(n for e in base.entities for n in e.names),
                                                  *(d.entity.name for d in items),
                                                  *(d.short_name for d in items if d.short_name)])
    for item in items:
        entity = item.entity
        if item.short_name and spoken[normalize_name(item.short_name)] == 1:
            entity = replace(entity, aliases=(*entity.aliases, item.short_name))
        if item.suggested_area:
            area = Home(areas=tuple(areas)).find_area(item.suggested_area)
            if area is None:
                area = Area(id=slug(item.suggested_area), name=item.suggested_area)
                areas.append(area)
            entity = replace(entity, area_id=area.id)
        if entity.id in configured and entity.id not in taken:
            entities[entity.id] = _override(entity, entities[entity.id])
        else:
            stem, n = entity.id, 2
            while entity.id in entities:  # two devices announcing the same object id
                entity = replace(entity, id=f"{stem}_{n}")
                n += 1
            entities[entity.id] = entity
        taken.add(entity.id)
    return Home(base.floors, tuple(areas), tuple(entities.values()), dict(base.initial_states))


class DiscoveryListener:
    """Follows ``<prefix>/.../config`` on the broker and keeps the merged home current."""

    def __init__(self, base: Home, on_change: Callable[[Home], None], prefix: str = "homeassistant") -> None:
        self.base = base
        self.prefix = prefix
        self.on_change = on_change
        self._lock = threading.Lock()
        self._announced: dict[str, Discovery] = {}
        self._last_message = time.monotonic()

    def start(self, link: MqttLink) -> None:
        """Subscribe to both config topic forms (with and without a node id)."""
        link.subscribe(f"{self.prefix}/+/+/config", self.handle)
        link.subscribe(f"{self.prefix}/+/+/+/config", self.handle)

    def home(self) -> Home:
        """The base home with everything discovered so far."""
        with self._lock:
            found = [e for d in self._announced.values() for e in d.entities]
        return merge_discovered(self.base, found)

    def settle(self, quiet: float = 0.3, limit: float = 3.0) -> None:
        """Wait until no config has arrived for ``quiet`` seconds (at most ``limit``): the
        broker sends every retained config right after subscribing, for one-shot commands."""
        start = time.monotonic()
        self._last_message = max(self._last_message, start)
        while time.monotonic() - start < limit and time.monotonic() - self._last_message < quiet:
            time.sleep(0.02)

    def handle(self, topic: str, payload: bytes) -> None:
        """One config message: add, replace or (empty payload) remove its entities."""
        self._last_message = time.monotonic()
        try:
            discovery = parse_discovery(topic, payload, self.prefix)
        except DiscoveryError as err:
            _LOGGER.warning("Ignored discovery config: %s", err)
            return
        for reason in discovery.skipped:
            _LOGGER.info("Not imported from %s: %s", topic, reason)
        with self._lock:
            if discovery.entities:
                self._announced[discovery.scope] = discovery
            elif self._announced.pop(discovery.scope, None) is None:
                return  # nothing was there, nothing changed
        home = self.home()
        _LOGGER.info("Discovery %s: %d entities in the registry",
                     f"updated {topic}" if discovery.entities else f"removed {topic}", len(home.entities))
        self.on_change(home)
