"""Builds the live registry from Home Assistant's retained discovery configs.

Entities announced over MQTT discovery join the home described by the home
file and ``config.yaml``; an entry there with the same entity id overrides
what discovery said (its name, aliases, area, topics), and everything else is
extended. Changes hand the whole new :class:`Home` to ``on_change``.

Anyone on the broker can announce a device, so the registry decides who owns
a command topic (:func:`claim_topics`): never Hearth's own topics, never a
topic another device already owns, and never a sensitive device's (a lock, a
garage door) — else "turn on the porch light" could unlock the front door.
Configs Hearth announces itself (this Hearth's or another's) are not devices.

On connecting the broker sends every retained config at once, thousands on a
big home: the network thread only parses each one and notes the change, and a
background thread rebuilds the home from all of them at most once per batch
(and never more often than a build takes), so taking up n configs costs O(n),
not one O(n) rebuild per config.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable, Iterable, NamedTuple, Optional, Sequence

from devices.discovery import (
    MAX_PAYLOAD,
    DiscoveredEntity,
    Discovery,
    DiscoveryError,
    parse_discovery,
    slug,
)
from devices.hushed import Hushed
from devices.mqtt import MqttLink
from devices.registry import Area, Entity, Home, normalize_name

_LOGGER = logging.getLogger(__name__)

#: Seconds a burst of configs gathers before the home is rebuilt.
BATCH_SECONDS = 0.05
#: Cover classes that open a way into the home (as confirmation treats them).
_ENTRY_COVERS = frozenset({"garage", "garage_door", "gate", "door"})


def is_sensitive(entity: Entity) -> bool:
    """Locks, alarm panels, valves and entry covers: their command topics are never shared."""
    domain = entity.domain
    return domain in ("lock", "alarm_control_panel", "valve") or (
        domain == "cover" and (entity.device_class or "") in _ENTRY_COVERS)


@dataclass(frozen=True)
class Refusal:
    """A discovered entity left out because of one of its command topics."""

    key: str
    entity_id: str
    topic: str
    reason: str

    def line(self) -> str:
        return f"Refused discovered {self.entity_id} ({self.key}): command topic '{self.topic}' {self.reason}"


class _Owner(NamedTuple):
    entity_id: str
    device: str
    sensitive: bool
    configured: bool


def claim_topics(base: Home, discovered: Sequence[DiscoveredEntity],
                 topic_prefix: str) -> tuple[list[DiscoveredEntity], list[Refusal]]:
    """The discovered entities (in the order they were first announced) that may own their command
    topics, and a refusal for each other one. The configured entities own theirs first; then the
    sensitive entities claim theirs, then the rest: whoever claims a topic first keeps it, and only
    the entities of one device share one (never a sensitive entity's). Topics under ``topic_prefix``
    are Hearth's own (its mute switch, its typed commands): publishing there would loop."""
    owners: dict[str, _Owner] = {}
    for entity in base.entities:
        for topic in entity.mqtt.command_topics() if entity.mqtt else ():
            owners.setdefault(topic, _Owner(entity.id, f"configured:{entity.id}", is_sensitive(entity), True))
    kept: list[DiscoveredEntity] = []
    refused: list[Refusal] = []
    ordered = sorted(discovered, key=lambda item: not is_sensitive(item.entity))  # stable: arrival order kept
    own = topic_prefix.rstrip("/")
    for item in ordered:
        entity, sensitive = item.entity, is_sensitive(item.entity)
        topics = entity.mqtt.command_topics() if entity.mqtt else ()
        problem: Optional[tuple[str, str]] = None
        for topic in topics:
            owner = owners.get(topic)
            if topic == own or topic.startswith(f"{own}/"):
                problem = (topic, f"is under Hearth's own topic prefix '{own}'")
            elif owner is None or (owner.configured and owner.entity_id == entity.id):
                continue  # free, or the configured entry this entity overrides
            elif owner.device == item.device and not (owner.sensitive or sensitive):
                continue  # one device's entities: zigbee2mqtt sends them all to <device>/set
            else:
                problem = (topic, f"belongs to {owner.entity_id}")
            break
        if problem:
            refused.append(Refusal(item.key, entity.id, *problem))
            continue
        for topic in topics:
            owners.setdefault(topic, _Owner(entity.id, item.device or item.key, sensitive, False))
        kept.append(item)
    return kept, refused


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


class _Areas:
    """``Home.find_area`` over a growing list, by index: a scan per entity would make a merge quadratic."""

    def __init__(self, areas: Iterable[Area]) -> None:
        self.areas: list[Area] = []
        self._by_id: dict[str, int] = {}
        self._by_name: dict[str, int] = {}
        for area in areas:
            self.add(area)

    def add(self, area: Area) -> Area:
        index = len(self.areas)
        self.areas.append(area)
        self._by_id.setdefault(area.id, index)
        ids = (area.id.replace("_", " "), area.id.removesuffix("_id").replace("_", " "))
        for name in (area.name, *area.aliases, *ids):
            self._by_name.setdefault(normalize_name(name), index)
        return area

    def find(self, name: str) -> Optional[Area]:
        found = [i for i in (self._by_id.get(name), self._by_name.get(normalize_name(name.replace("_", " "))))
                 if i is not None]
        return self.areas[min(found)] if found else None  # the first area that answers, as find_area


def merge_discovered(base: Home, discovered: Iterable[DiscoveredEntity]) -> Home:
    """``base`` plus the discovered entities (in a stable order); areas from ``suggested_area``."""
    areas = _Areas(base.areas)
    entities = {e.id: e for e in base.entities}
    configured = set(entities)
    taken: set[str] = set()
    suffixes: dict[str, int] = {}
    items = sorted(discovered, key=lambda d: d.key)
    spoken = Counter(normalize_name(n) for n in [*(n for e in base.entities for n in e.names),
                                                  *(d.entity.name for d in items),
                                                  *(d.short_name for d in items if d.short_name)])
    for item in items:
        entity = item.entity
        if item.short_name and spoken[normalize_name(item.short_name)] == 1:
            entity = replace(entity, aliases=(*entity.aliases, item.short_name))
        if item.suggested_area:
            area = areas.find(item.suggested_area) or areas.add(
                Area(id=slug(item.suggested_area), name=item.suggested_area))
            entity = replace(entity, area_id=area.id)
        if entity.id in configured and entity.id not in taken:
            entities[entity.id] = _override(entity, entities[entity.id])
        else:
            stem = entity.id
            n = suffixes.get(stem, 2)
            while entity.id in entities:  # two devices announcing the same object id
                entity = replace(entity, id=f"{stem}_{n}")
                n += 1
            suffixes[stem] = n
            entities[entity.id] = entity
        taken.add(entity.id)
    return Home(base.floors, tuple(areas.areas), tuple(entities.values()), dict(base.initial_states))


def _same(before: Optional[Discovery], now: Discovery) -> bool:
    """True when a config announces what it did before, attributes (a unit, a class) included, which
    an entity's equality leaves out."""
    return before == now and [d.entity.attributes for d in before.entities] == [
        d.entity.attributes for d in now.entities]


class DiscoveryListener:
    """Follows ``<prefix>/.../config`` on the broker and keeps the merged home current.

    ``handle`` runs on the network thread and only records the change; a daemon thread builds the
    home and calls ``on_change`` with it (see the module's docstring)."""

    def __init__(self, base: Home, on_change: Callable[[Home], None], prefix: str = "homeassistant",
                 topic_prefix: Optional[str] = None, batch: float = BATCH_SECONDS) -> None:
        self.base = base
        self.prefix = prefix
        self.topic_prefix = topic_prefix
        """Hearth's own topics (``MqttSettings.topic_prefix``); None: the link's, on ``start``."""
        self.on_change = on_change
        self.batch = batch
        self.current = base
        """The home last handed to ``on_change``."""
        self._changed = threading.Condition()
        self._announced: dict[str, Discovery] = {}  # in the order first announced: who claimed first
        self._ignored = Hushed(_LOGGER)  # a flood of bad configs is said in a few lines
        self._pending: dict[str, bytes] = {}  # configs received, not parsed yet (topic -> newest payload)
        self._version = self._built = 0
        self._dirty = False  # what was announced changed since the last build
        self._build_seconds = 0.0
        self._refused: set[Refusal] = set()
        self._worker: Optional[threading.Thread] = None
        self._last_message = time.monotonic()

    def start(self, link: MqttLink) -> None:
        """Subscribe to both config topic forms (with and without a node id)."""
        if self.topic_prefix is None:
            self.topic_prefix = link.settings.topic_prefix
        link.subscribe(f"{self.prefix}/+/+/config", self.handle)
        link.subscribe(f"{self.prefix}/+/+/+/config", self.handle)

    def home(self) -> Home:
        """The base home with everything discovered so far (built now, on the caller's thread)."""
        self._parse_pending()
        with self._changed:
            announced = list(self._announced.values())
        return self._assemble(announced)[0]

    def _assemble(self, announced: list[Discovery]) -> tuple[Home, list[Refusal]]:
        found = [e for d in announced for e in d.entities]
        kept, refused = claim_topics(self.base, found, self.topic_prefix or "hearth")
        return merge_discovered(self.base, kept), refused

    def settle(self, quiet: float = 0.3, limit: float = 3.0) -> None:
        """Wait until no config has arrived for ``quiet`` seconds and the home is built (at most
        ``limit``): the broker sends every retained config right after subscribing, for one-shot commands."""
        start = time.monotonic()
        self._last_message = max(self._last_message, start)
        while time.monotonic() - start < limit and time.monotonic() - self._last_message < quiet:
            time.sleep(0.02)
        with self._changed:
            self._changed.wait_for(lambda: self._built == self._version,
                                   timeout=max(0.0, start + limit - time.monotonic()))

    def handle(self, topic: str, payload: bytes) -> None:
        """One config message (on the network thread): only kept, parsed later on the builder thread, so
        a burst of configs never holds up the commands and acknowledgements behind it on the link."""
        self._last_message = time.monotonic()
        if len(payload) > MAX_PAYLOAD:  # refused before it is kept: a flood of big configs costs nothing
            self._ignored.warning("Ignored discovery config on %s: %d bytes, more than %d", topic[:200], len(payload),
                            MAX_PAYLOAD)
            return
        with self._changed:
            self._pending.pop(topic, None)  # the newest config of a topic is the one that counts, in order
            self._pending[topic] = payload
            self._version += 1
            if self._worker is None:
                self._worker = threading.Thread(target=self._build_forever, name="hearth-discovery", daemon=True)
                self._worker.start()
            self._changed.notify_all()

    def _take_up(self, topic: str, payload: bytes) -> None:
        """Parse one config and record what it adds, replaces or (empty payload) removes (builder thread)."""
        try:
            discovery = parse_discovery(topic, payload, self.prefix)
        except DiscoveryError as err:
            self._ignored.warning("Ignored discovery config: %s", err)
            return
        if discovery.from_hearth and discovery.entities:
            _LOGGER.info("Not imported %s: announced by Hearth (origin %r)", topic, discovery.origin)
            discovery = Discovery(discovery.scope)  # whatever was there before is gone too
        for reason in discovery.skipped:
            self._ignored.info("Not imported from %s: %s", topic, reason)
        with self._changed:  # parsed outside the lock: the network thread never waits for a parse
            if discovery.entities:
                self._dirty |= not _same(self._announced.get(discovery.scope), discovery)
                self._announced[discovery.scope] = discovery  # a known scope keeps its place
            else:
                self._dirty |= self._announced.pop(discovery.scope, None) is not None

    def _parse_pending(self) -> None:
        with self._changed:
            pending, self._pending = self._pending, {}
        for topic, payload in pending.items():
            self._take_up(topic, payload)

    def _build_forever(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._built != self._version)
            # Let the burst gather; a slow build waits as long as it took, so building stays under
            # half the time however many configs pour in.
            time.sleep(max(self.batch, self._build_seconds))
            with self._changed:
                version = self._version
            self._parse_pending()
            with self._changed:
                announced, dirty, self._dirty = list(self._announced.values()), self._dirty, False
            if not dirty:  # junk and repeats: no home to build, none to hand on (in a flood, each would)
                with self._changed:
                    self._built = version
                    self._changed.notify_all()
                continue
            started = time.perf_counter()
            try:
                home = self._build(announced)
            except Exception:  # noqa: BLE001 - a bug here must not stop discovery for good
                _LOGGER.exception("Discovered devices not taken up")
                home = None
            self._build_seconds = time.perf_counter() - started
            with self._changed:
                self._built = version
                self.current = home or self.current
                self._changed.notify_all()

    def _build(self, announced: list[Discovery]) -> Home:
        home, refused = self._assemble(announced)
        for refusal in refused:
            if refusal not in self._refused:  # one line per refusal, not one per rebuild
                _LOGGER.warning("%s", refusal.line())
        self._refused = set(refused)
        _LOGGER.info("Discovery: %d entities in the registry (%d configs)", len(home.entities), len(announced))
        self.on_change(home)
        return home
