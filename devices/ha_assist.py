"""Hearth's registry as Assist knows it: a pure function of a home and Home Assistant's view.

:func:`apply_view` matches each of Hearth's entities to Home Assistant's, by
entity id, else (for discovered devices, whose ids Hearth derives differently)
by the discovery config's ``unique_id`` among Home Assistant's ``mqtt``
entities. Then:

* An entity Home Assistant knows but does not expose to the conversation
  assistant (or has disabled) is dropped, whoever declared it: no path can act
  on what the household hid from Assist.
* An entity Home Assistant does not know is kept only when it is one of
  Hearth's own (``config.yaml`` or the home file: ``configured``); a
  discovered one is dropped, since nothing says Assist may use it.
* A kept discovered entity takes Home Assistant's name and aliases; a
  configured one keeps its own and gains Home Assistant's as aliases.
* The area is Home Assistant's (the entity's, else its device's); a
  configured entity's own area wins when it has one.
* Areas and floors are Home Assistant's, with their aliases; Hearth's own
  that Home Assistant does not have (by id or name) are kept.

:class:`ViewKeeper` keeps the latest view (re-read every ``refresh_seconds``)
and :class:`AssistShaper` lays it over each home Hearth builds; until a view
was read, or when the link is off, the home is used as it is.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Callable, Collection, Mapping, Optional

from devices.ha_api import (
    HaEntity,
    HaView,
    HomeAssistantApi,
    HomeAssistantApiError,
    HomeAssistantApiSettings,
)
from devices.registry import Area, Entity, Floor, Home, normalize_name

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApplyReport:
    """What laying the view over the home changed, for one log line."""

    kept: int = 0
    """Entities in the resulting home."""
    matched_by_unique_id: int = 0
    """Discovered entities found in Home Assistant by their ``unique_id`` (their ids differ)."""
    not_exposed: tuple[str, ...] = ()
    """Dropped: Home Assistant does not expose them to Assist (or disabled them)."""
    unknown: tuple[str, ...] = ()
    """Dropped: discovered, and Home Assistant does not know them."""

    def line(self) -> str:
        """One line for the log."""
        def some(ids: tuple[str, ...]) -> str:
            return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        text = f"Home Assistant's view: {self.kept} entities kept"
        if self.not_exposed:
            text += f"; {len(self.not_exposed)} not exposed to Assist left out ({some(self.not_exposed)})"
        if self.unknown:
            text += f"; {len(self.unknown)} discovered but unknown to Home Assistant left out ({some(self.unknown)})"
        return text


def _unique(names: list[str], skip: Collection[str] = ()) -> tuple[str, ...]:
    """Names in order, without repeats (case-insensitive) or any of ``skip``."""
    seen = {normalize_name(s) for s in skip}
    out = []
    for name in names:
        key = normalize_name(name)
        if key and key not in seen:
            seen.add(key)
            out.append(name.strip())
    return tuple(out)


def _merge_floors(home: Home, view: HaView) -> tuple[tuple[Floor, ...], dict[str, str]]:
    """Home Assistant's floors plus Hearth's others; and Hearth's floor ids that became Home Assistant's."""
    by_name = {normalize_name(n): f for f in view.floors for n in (f.name, *f.aliases)}
    ids = {f.id: f for f in view.floors}
    floors, moved = list(view.floors), {}
    for floor in home.floors:
        same = ids.get(floor.id) or next((by_name[normalize_name(n)] for n in (floor.name, *floor.aliases)
                                          if normalize_name(n) in by_name), None)
        if same is None:
            floors.append(floor)
        else:
            moved[floor.id] = same.id
    return tuple(floors), moved


def _merge_areas(home: Home, view: HaView, floor_moved: Mapping[str, str]) -> tuple[tuple[Area, ...], dict[str, str]]:
    """Home Assistant's areas plus Hearth's others (their floors renamed); and Hearth's area ids that
    became Home Assistant's: the kitchen Hearth made from a ``suggested_area`` is Home Assistant's kitchen."""
    by_name = {normalize_name(n): a for a in view.areas for n in (a.name, *a.aliases)}
    ids = {a.id: a for a in view.areas}
    areas, moved = list(view.areas), {}
    for area in home.areas:
        same = ids.get(area.id) or next((by_name[normalize_name(n)] for n in (area.name, *area.aliases)
                                         if normalize_name(n) in by_name), None)
        if same is None:
            floor = floor_moved.get(area.floor_id or "", area.floor_id)
            areas.append(replace(area, floor_id=floor))
        else:
            moved[area.id] = same.id
    return tuple(areas), moved


def _as_assist_knows(entity: Entity, found: HaEntity, configured: bool, area_moved: Mapping[str, str]) -> Entity:
    own_area = area_moved.get(entity.area_id or "", entity.area_id)
    if configured:  # the user's own words win; Home Assistant's are more ways to say it
        names = _unique([*entity.aliases, found.name, *found.aliases], skip=[entity.name])
        return replace(entity, aliases=names, area_id=own_area or found.area_id)
    return replace(entity, name=found.name, aliases=_unique(list(found.aliases), skip=[found.name]),
                   area_id=found.area_id)


def apply_view(home: Home, view: HaView, configured: Collection[str],
               unique_ids: Optional[Mapping[str, str]] = None) -> tuple[Home, ApplyReport]:
    """``home`` as Assist knows it (the rules are in the module's docstring), and what changed.

    ``configured``: ids of Hearth's own entities (``config.yaml`` and the home file, the discovery
    listener's ``base``). ``unique_ids``: a discovered entity's discovery ``unique_id`` by its Hearth id;
    None reads ``attributes["unique_id"]`` where discovery put it."""
    own = frozenset(configured)
    mqtt = {uid: e for (platform, uid), e in view.by_unique_id().items() if platform == "mqtt"}
    floors, floor_moved = _merge_floors(home, view)
    areas, area_moved = _merge_areas(home, view, floor_moved)
    kept: list[Entity] = []
    hidden: list[str] = []
    unknown: list[str] = []
    by_uid = 0
    for entity in home.entities:
        # The discovery unique_id first: Home Assistant may have given ``light.kitchen`` to another
        # integration's light and called the MQTT one ``light.kitchen_2``.
        uid = unique_ids.get(entity.id) if unique_ids is not None else entity.attributes.get("unique_id")
        found = mqtt.get(str(uid)) if uid is not None else None
        by_uid += found is not None and found.entity_id != entity.id
        found = found or view.entities.get(entity.id)
        if found is None:
            if entity.id in own:
                kept.append(replace(entity, area_id=area_moved.get(entity.area_id or "", entity.area_id)))
            else:
                unknown.append(entity.id)
        elif not found.exposed:
            hidden.append(entity.id)
        else:
            kept.append(_as_assist_knows(entity, found, entity.id in own, area_moved))
    ids = {e.id for e in kept}
    report = ApplyReport(len(kept), by_uid, tuple(hidden), tuple(unknown))
    states = {k: v for k, v in home.initial_states.items() if k in ids}
    return Home(floors, areas, tuple(kept), states), report


class ViewKeeper:
    """The latest view, re-read every ``refresh_seconds`` on a daemon thread; ``on_view`` is told of each
    new one (so the caller can lay it over its current home again). A failed read is logged once per
    kind of failure and the last good view stays."""

    def __init__(self, settings: HomeAssistantApiSettings, on_view: Callable[[HaView], None] = lambda view: None,
                 api: Optional[HomeAssistantApi] = None) -> None:
        self.settings = settings
        self.on_view = on_view
        self.api = api or HomeAssistantApi(settings)
        self.view: Optional[HaView] = None
        """The last view read; None until one was."""
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._last_error = ""

    def refresh(self) -> Optional[HaView]:
        """Read now (on the caller's thread); the new view, or None (and the old one kept) on failure."""
        try:
            view = self.api.fetch()
        except HomeAssistantApiError as err:
            if str(err) != self._last_error:  # one line per kind of failure, not one per period
                _LOGGER.warning("%s; keeping the home Hearth had", err)
            self._last_error = str(err)
            return None
        if self._last_error or self.view is None:
            _LOGGER.info("Home Assistant %s: %d entities (%d exposed to Assist), %d areas, %d floors",
                         view.version or "?", len(view.entities), sum(e.exposed for e in view.entities.values()),
                         len(view.areas), len(view.floors))
        self._last_error = ""
        if view != self.view:  # an unchanged view is not offered again: nothing to rebuild
            self.view = view
            self.on_view(view)
        return self.view

    def start(self) -> "ViewKeeper":
        """Read once now, then every ``refresh_seconds`` (none when 0) on a daemon thread."""
        self.refresh()
        if self.settings.refresh_seconds > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="hearth-ha-api", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.refresh_seconds):
            self.refresh()

    def stop(self) -> None:
        """End the refresh thread."""
        self._stop.set()


class AssistShaper:
    """``shaper(home)``: the home as Assist knows it, with the keeper's latest view (the home unchanged
    while there is none). Pure but for one log line when what it leaves out changes."""

    def __init__(self, keeper: ViewKeeper, configured: Collection[str]) -> None:
        self.keeper = keeper
        self.configured = frozenset(configured)
        """Hearth's own entity ids (``config.yaml`` and the home file): kept when Home Assistant lacks them."""
        self._said = ""

    def __call__(self, home: Home) -> Home:
        view = self.keeper.view
        if view is None:
            return home
        shaped, report = apply_view(home, view, self.configured)
        if report.line() != self._said:  # discovery rebuilds often; say it when it changes
            self._said = report.line()
            _LOGGER.info("%s", self._said)
        return shaped
