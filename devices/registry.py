"""The device registry: floors, areas and entities of the home.

Built from ``config.yaml`` and, optionally, a file in Home Assistant's
test-fixture format (``floors``, ``areas``, ``entities``) such as
``ha-intents-tests/en/_fixtures.yaml``. Entities are immutable; their changing
state lives in :class:`devices.state.StateStore`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Optional

from hassil import is_template, parse_sentence, sample_expression

from devices.entity_config import DeviceConfig, MqttEntityConfig
from devices.files import read_yaml


class RegistryError(Exception):
    """A home description that cannot be used; the message is one line."""


def normalize_name(name: str) -> str:
    """Compare names the way Home Assistant does: trimmed and case-folded."""
    return " ".join(name.strip().casefold().split())


@dataclass(frozen=True)
class Floor:
    """A floor of the home."""

    id: str
    """Stable identifier."""
    name: str
    """Spoken name."""
    aliases: tuple[str, ...] = ()
    """Other names."""


@dataclass(frozen=True)
class Area:
    """An area (room)."""

    id: str
    """Stable identifier."""
    name: str
    """Spoken name."""
    aliases: tuple[str, ...] = ()
    """Other names."""
    floor_id: Optional[str] = None
    """Floor the area is on."""


@dataclass(frozen=True)
class Entity:
    """Something in the home that can be controlled or asked about."""

    id: str
    """Entity id, ``<domain>.<object_id>``."""
    name: str
    """Spoken name."""
    aliases: tuple[str, ...] = ()
    """Other names."""
    area_id: Optional[str] = None
    """Area the entity is in."""
    device_class: Optional[str] = None
    """Home Assistant device class, if any."""
    attributes: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """Static attributes (unit_of_measurement, device_class...) used for matching."""
    mqtt: Optional[MqttEntityConfig] = None
    """How to command it; None for entities Hearth can only talk about."""
    confirm: Optional[bool] = None
    """Whether actions need a spoken "yes" (None: Hearth's defaults for sensitive actions)."""

    @property
    def domain(self) -> str:
        """The entity's domain (``light`` for ``light.kitchen``)."""
        return self.id.split(".", 1)[0]

    @property
    def object_id(self) -> str:
        """The part of the id after the domain."""
        return self.id.split(".", 1)[1]

    @property
    def names(self) -> tuple[str, ...]:
        """Name first, then aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Home:
    """Floors, areas and entities, with the initial states they were given."""

    floors: tuple[Floor, ...] = ()
    """Floors."""
    areas: tuple[Area, ...] = ()
    """Areas."""
    entities: tuple[Entity, ...] = ()
    """Entities, in the order they were declared."""
    initial_states: dict[str, str] = field(default_factory=dict)
    """Entity id to state string, as declared."""

    @cached_property
    def domain_of(self) -> dict[str, str]:
        """Each entity's domain by its name ("Garage Light" -> "light"), built once per registry."""
        return {e.name: e.domain for e in self.entities}

    def with_aliases(self, aliases: dict[str, str]) -> "Home":
        """This home with other names for its entities (name -> entity id), as Home Assistant's aliases. A
        name that is already any entity's, area's or floor's stays theirs; one for an entity the home no
        longer has is left out."""
        taken = {normalize_name(n) for e in self.entities for n in e.names} | {
            normalize_name(n) for place in (*self.areas, *self.floors) for n in (place.name, *place.aliases)}
        extra: dict[str, list[str]] = {}
        for name, entity_id in aliases.items():
            if normalize_name(name) not in taken:
                extra.setdefault(entity_id, []).append(name)
                taken.add(normalize_name(name))
        if not extra:
            return self
        entities = tuple(replace(e, aliases=(*e.aliases, *extra[e.id])) if e.id in extra else e for e in self.entities)
        return replace(self, entities=entities)

    def area(self, area_id: Optional[str]) -> Optional[Area]:
        """The area with this id, if any."""
        return next((a for a in self.areas if a.id == area_id), None)

    def entity(self, entity_id: str) -> Optional[Entity]:
        """The entity with this id, if any."""
        return next((e for e in self.entities if e.id == entity_id), None)

    def find_area(self, name_or_id: str) -> Optional[Area]:
        """An area by id, name or alias (case-insensitive; ``living_room`` finds "Living Room")."""
        wanted = normalize_name(name_or_id.replace("_", " "))
        for area in self.areas:
            spoken = [normalize_name(n) for n in (area.name, *area.aliases)]
            ids = {normalize_name(area.id.replace("_", " ")), normalize_name(re.sub(r"_id$", "", area.id).replace("_", " "))}
            if area.id == name_or_id or wanted in spoken or wanted in ids:
                return area
        return None

    def find_floor(self, name: str) -> Optional[Floor]:
        """A floor by id, name or alias."""
        wanted = normalize_name(name)
        return next(
            (f for f in self.floors if f.id == name or wanted in {normalize_name(n) for n in (f.name, *f.aliases)}),
            None,
        )

    def floor_of(self, entity: Entity) -> Optional[str]:
        """Id of the floor an entity is on, through its area."""
        area = self.area(entity.area_id)
        return area.floor_id if area else None


def expand_names(name: str) -> list[str]:
    """A fixture name may be a template (``Trader Joe[']s``): every spoken form, first is canonical."""
    if not is_template(name):
        return [name.strip()]
    return [n.strip() for n in sample_expression(parse_sentence(name).expression)]


def _require(item: Any, key: str, where: str) -> str:
    value = item.get(key) if isinstance(item, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: missing or empty '{key}' (expected a string)")
    return value


def _fixture_floors(items: Iterable[Any], where: str) -> list[Floor]:
    floors = []
    for i, item in enumerate(items):
        names = expand_names(_require(item, "name", f"{where}: floors[{i}]"))
        floors.append(Floor(id=_require(item, "id", f"{where}: floors[{i}]"), name=names[0], aliases=tuple(names[1:])))
    return floors


def _fixture_areas(items: Iterable[Any], where: str) -> list[Area]:
    areas = []
    for i, item in enumerate(items):
        names = expand_names(_require(item, "name", f"{where}: areas[{i}]"))
        areas.append(
            Area(
                id=_require(item, "id", f"{where}: areas[{i}]"),
                name=names[0],
                aliases=tuple(names[1:]),
                floor_id=item.get("floor"),
            )
        )
    return areas


def _fixture_entity(item: Any, where: str) -> tuple[Entity, str]:
    entity_id = _require(item, "id", where)
    if not re.fullmatch(r"[a-z_]+\.\S.*", entity_id):
        raise RegistryError(f"{where}: id '{entity_id}' is not <domain>.<object_id>")
    names = expand_names(_require(item, "name", where))
    attributes = item.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise RegistryError(f"{where}: 'attributes' must be a mapping")
    state = item.get("state", "off")
    if isinstance(state, dict):  # {in: spoken, out: Home Assistant state}
        state = state.get("out", "off")
    entity = Entity(
        id=entity_id,
        name=names[0],
        aliases=tuple(names[1:]),
        area_id=item.get("area"),
        device_class=attributes.get("device_class"),
        attributes=dict(attributes),
    )
    return entity, str(state)


def parse_fixture(data: Any, where: str) -> Home:
    """A home from Home Assistant's test-fixture structure."""
    if not isinstance(data, dict):
        raise RegistryError(f"{where}: expected a mapping with floors, areas and entities")
    for key in ("floors", "areas", "entities"):
        if not isinstance(data.get(key, []), list):
            raise RegistryError(f"{where}: '{key}' must be a list")
    entities, states = [], {}
    for i, item in enumerate(data.get("entities", [])):
        entity, state = _fixture_entity(item, f"{where}: entities[{i}]")
        entities.append(entity)
        states[entity.id] = state
    return Home(
        floors=tuple(_fixture_floors(data.get("floors", []), where)),
        areas=tuple(_fixture_areas(data.get("areas", []), where)),
        entities=tuple(entities),
        initial_states=states,
    )


def load_fixture_file(path: str | Path) -> Home:
    """Read a home file in Home Assistant's test-fixture format."""
    return parse_fixture(read_yaml(path, "home file", RegistryError), str(path))


def _device_entity(device: DeviceConfig, home: Home) -> Entity:
    area_id = None
    if device.area:
        area = home.find_area(device.area)
        if area is None:
            raise RegistryError(f"devices: {device.id}: unknown area '{device.area}'")
        area_id = area.id
    return Entity(
        id=device.id,
        name=device.name,
        aliases=tuple(device.aliases),
        area_id=area_id,
        device_class=device.device_class,
        attributes={"device_class": device.device_class} if device.device_class else {},
        mqtt=device.mqtt,
        confirm=device.confirm,
    )


def with_topic_base(entity: Entity, base: str) -> Entity:
    """Give an entity without MQTT settings the conventional topics under ``base``."""
    if entity.mqtt is not None:
        return entity
    root = f"{base.rstrip('/')}/{entity.domain}/{entity.object_id}"
    schema = "json" if entity.domain == "light" else "default"
    mqtt = MqttEntityConfig.model_validate(
        {"schema": schema, "command_topic": f"{root}/set", "state_topic": f"{root}/state",
         "set_position_topic": f"{root}/position/set", "temperature_command_topic": f"{root}/temperature/set",
         "mode_command_topic": f"{root}/mode/set", "volume_command_topic": f"{root}/volume/set"}
    )
    return replace(entity, mqtt=mqtt)


def build_home(
    fixture: Optional[Home],
    floors: Iterable[Any] = (),
    areas: Iterable[Any] = (),
    devices: Iterable[DeviceConfig] = (),
    topic_base: Optional[str] = None,
) -> Home:
    """Merge a fixture home with config entries; config entries win on equal ids."""
    base = fixture or Home()
    floor_map = {f.id: f for f in base.floors}
    floor_map.update({f.id: Floor(f.id, f.name, tuple(f.aliases)) for f in floors})
    area_map = {a.id: a for a in base.areas}
    area_map.update({a.id: Area(a.id, a.name, tuple(a.aliases), a.floor) for a in areas})
    home = Home(tuple(floor_map.values()), tuple(area_map.values()), base.entities, dict(base.initial_states))
    for area in home.areas:
        if area.floor_id and area.floor_id not in floor_map:
            raise RegistryError(f"areas: {area.id}: unknown floor '{area.floor_id}'")
    entity_map = {e.id: e for e in home.entities}
    states = dict(home.initial_states)
    for device in devices:
        entity_map[device.id] = _device_entity(device, home)
        states[device.id] = device.state or states.get(device.id, "unknown")
    entities = tuple(entity_map.values())
    if topic_base:
        entities = tuple(with_topic_base(e, topic_base) for e in entities)
    return Home(home.floors, home.areas, entities, states)

