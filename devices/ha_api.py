"""A read-only link to Home Assistant's websocket API: the home as Assist knows it.

Over MQTT Hearth sees what discovery announces, and none of what Home
Assistant keeps for Assist: entity and area aliases, the areas and floors an
entity or its device was put in, and which entities are exposed to the
conversation assistant. :class:`HomeAssistantApi` reads those registries once
(``fetch``) into a :class:`HaView`; :func:`devices.ha_assist.apply_view` lays
the view over Hearth's registry, and :class:`devices.ha_assist.ViewKeeper`
re-reads it every ``refresh_seconds``.

The link is optional and only reads (``config/*_registry/list``,
``config/entity_registry/get_entries``, ``homeassistant/expose_entity/list``;
the last needs an administrator's token). Whatever goes wrong (Home Assistant
unreachable, the token refused, an answer of the wrong shape) is a
:class:`HomeAssistantApiError` with one line, never a traceback: the caller
keeps the home it had.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from devices.registry import Area, Floor

#: Environment variable that holds the long-lived access token (wins over ``token`` in the config).
ENV_HA_TOKEN = "HEARTH_HA_TOKEN"
#: Largest answer read: a big home's entity registry is a few MiB, the library's default (1 MiB) is too small.
MAX_MESSAGE = 64 * 1024 * 1024
#: The assistant whose exposure counts (Home Assistant's Assist; the others are Alexa and Google).
ASSISTANT = "conversation"


class HomeAssistantApiSettings(BaseModel):
    """Home Assistant's websocket API: aliases, areas, floors and exposure to Assist (optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Optional[str] = None
    """Home Assistant's address, e.g. ``http://homeassistant.local:8123``; None: no link (the default)."""
    token: Optional[str] = None
    """A long-lived access token of an administrator; prefer the ``HEARTH_HA_TOKEN`` environment variable."""
    refresh_seconds: float = Field(300.0, ge=0.0, le=86400.0)
    """How often the registries are read again; 0: only once, at start."""
    timeout: float = Field(10.0, gt=0.0, le=120.0)
    """Seconds for connecting, authenticating and each answer."""

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not value.strip().lower().startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("url must start with http://, https://, ws:// or wss://")
        return value.strip().rstrip("/") if value else None

    @property
    def enabled(self) -> bool:
        """Whether a link is configured."""
        return self.url is not None

    def websocket_url(self) -> str:
        """The websocket endpoint: ``ws(s)://host:port/api/websocket``."""
        url = self.url or ""
        if url.startswith(("http://", "https://")):
            url = "ws" + url[4:]
        return url if url.endswith("/api/websocket") else f"{url}/api/websocket"

    def resolved_token(self, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
        """``$HEARTH_HA_TOKEN`` when set, else ``token``."""
        env = os.environ if environ is None else environ
        return env.get(ENV_HA_TOKEN) or self.token


class HomeAssistantApiError(Exception):
    """The link gave nothing usable; one line, and the home Hearth had is kept."""


class HaUnreachable(HomeAssistantApiError):
    """No connection, a closed connection, or no answer in time."""


class HaAuthError(HomeAssistantApiError):
    """No token, or Home Assistant refused it (or it lacks the rights for a command)."""


class HaAnswerError(HomeAssistantApiError):
    """An answer of the wrong shape, or an error result."""


@dataclass(frozen=True)
class HaEntity:
    """One entity as Assist sees it."""

    entity_id: str
    """Home Assistant's entity id."""
    name: str
    """The name Home Assistant shows (registry name, else device name + entity name)."""
    aliases: tuple[str, ...] = ()
    """The aliases set in Home Assistant."""
    area_id: Optional[str] = None
    """The entity's area, else its device's."""
    platform: str = ""
    """The integration that made it (``mqtt`` for discovered devices)."""
    unique_id: Optional[str] = None
    """The integration's id (for MQTT: the discovery config's ``unique_id``)."""
    exposed: bool = False
    """Exposed to the conversation assistant and enabled: Assist may act on it."""


@dataclass(frozen=True)
class HaView:
    """What Home Assistant's registries say, read at one moment."""

    entities: dict[str, HaEntity] = field(default_factory=dict)
    """Every registry entity (and every exposed entity without a registry entry), by entity id."""
    areas: tuple[Area, ...] = ()
    """Areas with their aliases and floors."""
    floors: tuple[Floor, ...] = ()
    """Floors with their aliases."""
    version: str = ""
    """Home Assistant's version (from ``auth_ok``)."""

    def by_unique_id(self) -> dict[tuple[str, str], HaEntity]:
        """Entities by (platform, unique id)."""
        return {(e.platform, e.unique_id): e for e in self.entities.values() if e.unique_id}


class _Answer(BaseModel):
    """A registry item: only the keys read are checked; the others (and new ones) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class _EntityEntry(_Answer):
    entity_id: str = Field(min_length=3, pattern=r"^[a-z0-9_]+\.\S+$")
    name: Optional[str] = None
    original_name: Optional[str] = None
    has_entity_name: bool = False
    device_id: Optional[str] = None
    area_id: Optional[str] = None
    platform: str = ""
    unique_id: Optional[str] = None
    disabled_by: Optional[str] = None
    aliases: list[Optional[str]] = []  # only in get_entries; an alias may be None ("the entity's name")

    @field_validator("unique_id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value  # some integrations' ids are numbers


class _DeviceEntry(_Answer):
    id: str
    name: Optional[str] = None
    name_by_user: Optional[str] = None
    area_id: Optional[str] = None


class _AreaEntry(_Answer):
    area_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: list[str] = []
    floor_id: Optional[str] = None


class _FloorEntry(_Answer):
    floor_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: list[str] = []


class _Exposed(_Answer):
    exposed_entities: dict[str, dict[str, bool]]


_ENTITIES = TypeAdapter(list[_EntityEntry])
_FULL_ENTRIES = TypeAdapter(dict[str, Optional[_EntityEntry]])
_DEVICES = TypeAdapter(list[_DeviceEntry])
_AREAS = TypeAdapter(list[_AreaEntry])
_FLOORS = TypeAdapter(list[_FloorEntry])
_EXPOSED = TypeAdapter(_Exposed)


def _validate(adapter: Any, value: Any, what: str) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise HaAnswerError(f"Home Assistant's {what}: {where}: {first['msg'].lower()}") from None


def _spoken(entry: _EntityEntry, device: Optional[_DeviceEntry]) -> str:
    """Home Assistant's friendly name: the registry name, else device name + entity name (``has_entity_name``)."""
    if entry.name:
        return entry.name.strip()
    device_name = (device.name_by_user or device.name) if device else None
    if entry.has_entity_name and device_name:
        return f"{device_name} {entry.original_name}".strip() if entry.original_name else device_name.strip()
    return (entry.original_name or entry.entity_id.split(".", 1)[1].replace("_", " ")).strip()


def parse_view(answers: Mapping[str, Any], version: str = "") -> HaView:
    """A view from the raw results, keyed by command type (``config/entity_registry/list``...).
    ``config/entity_registry/get_entries`` may hold only some entities (their aliases)."""
    entries: list[_EntityEntry] = _validate(_ENTITIES, answers.get("config/entity_registry/list"), "entity registry")
    full: dict[str, Optional[_EntityEntry]] = _validate(
        _FULL_ENTRIES, answers.get("config/entity_registry/get_entries", {}), "entity entries")
    devices = {d.id: d for d in _validate(_DEVICES, answers.get("config/device_registry/list"), "device registry")}
    areas: list[_AreaEntry] = _validate(_AREAS, answers.get("config/area_registry/list"), "area registry")
    floors: list[_FloorEntry] = _validate(_FLOORS, answers.get("config/floor_registry/list"), "floor registry")
    exposed: _Exposed = _validate(_EXPOSED, answers.get("homeassistant/expose_entity/list"), "exposed entities")
    assist = {e for e, to in exposed.exposed_entities.items() if to.get(ASSISTANT) is True}
    known_areas = {a.area_id for a in areas}
    entities: dict[str, HaEntity] = {}
    for entry in entries:
        device = devices.get(entry.device_id) if entry.device_id else None
        area = entry.area_id or (device.area_id if device else None)
        details = full.get(entry.entity_id)
        aliases = tuple(dict.fromkeys(a.strip() for a in (details.aliases if details else []) if a and a.strip()))
        entities[entry.entity_id] = HaEntity(
            entry.entity_id, _spoken(entry, device), aliases, area if area in known_areas else None,
            entry.platform, entry.unique_id, entry.entity_id in assist and entry.disabled_by is None)
    for entity_id in assist - entities.keys():  # exposed, but not in the registry (YAML-only entities)
        entities[entity_id] = HaEntity(entity_id, entity_id.split(".", 1)[-1].replace("_", " "), exposed=True)
    known_floors = {f.floor_id for f in floors}
    return HaView(
        entities,
        tuple(Area(a.area_id, a.name.strip(), tuple(x.strip() for x in a.aliases if x.strip()),
                   a.floor_id if a.floor_id in known_floors else None) for a in areas),
        tuple(Floor(f.floor_id, f.name.strip(), tuple(x.strip() for x in f.aliases if x.strip())) for f in floors),
        version,
    )


class HomeAssistantApi:
    """One fetch per call: connect, authenticate, ask, close. Not thread-safe; one per caller."""

    LISTS = ("config/entity_registry/list", "config/device_registry/list", "config/area_registry/list",
             "config/floor_registry/list", "homeassistant/expose_entity/list")

    def __init__(self, settings: HomeAssistantApiSettings, environ: Optional[Mapping[str, str]] = None) -> None:
        self.settings = settings
        self.url = settings.websocket_url()
        self._token = settings.resolved_token(environ)
        self._next_id = 0
        self._deadline = 0.0

    def fetch(self) -> HaView:
        """The registries now; HomeAssistantApiError (one line) when there is no usable answer."""
        if not self.settings.enabled:
            raise HomeAssistantApiError("Home Assistant API: no url configured")
        if not self._token:
            raise HaAuthError(f"Home Assistant at {self.url}: no access token (set ${ENV_HA_TOKEN})")
        try:
            from websockets.exceptions import (
                InvalidHandshake,
                InvalidURI,
                WebSocketException,
            )
            from websockets.sync.client import connect
        except ImportError:  # an optional link must not need the package to import Hearth
            raise HomeAssistantApiError("Home Assistant API: the 'websockets' package is not installed") from None
        self._deadline = time.monotonic() + self.settings.timeout * 3  # connect + auth + answers, bounded
        try:
            with connect(self.url, open_timeout=self.settings.timeout, close_timeout=1.0, max_size=MAX_MESSAGE,
                         proxy=None, compression=None, user_agent_header="Hearth") as ws:
                version = self._authenticate(ws)
                answers = self._ask(ws, [{"type": t} for t in self.LISTS])
                entries = answers["config/entity_registry/list"]
                exposed = answers["homeassistant/expose_entity/list"]
                wanted = _exposed_ids(entries, exposed)  # aliases only matter for what Assist may use
                if wanted:
                    answers.update(self._ask(ws, [{"type": "config/entity_registry/get_entries",
                                                   "entity_ids": wanted}]))
        except HomeAssistantApiError:
            raise
        except (InvalidURI, InvalidHandshake) as err:
            raise HaUnreachable(f"Home Assistant at {self.url}: {_line(err)}") from None
        except (OSError, TimeoutError, WebSocketException) as err:
            raise HaUnreachable(f"Home Assistant at {self.url}: cannot connect ({_line(err)})") from None
        return parse_view(answers, version)

    def _receive(self, ws: Any) -> list[Any]:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise HaUnreachable(f"Home Assistant at {self.url}: no answer in {self.settings.timeout * 3:.0f} s")
        try:
            raw = ws.recv(timeout=min(left, self.settings.timeout))
        except TimeoutError:
            raise HaUnreachable(f"Home Assistant at {self.url}: no answer in {self.settings.timeout:.0f} s") from None
        try:
            message = json.loads(raw)
        except (ValueError, TypeError) as err:
            raise HaAnswerError(f"Home Assistant at {self.url}: not JSON ({_line(err)[:80]})") from None
        messages = message if isinstance(message, list) else [message]  # coalesced messages come as a list
        if not messages or not all(isinstance(m, dict) for m in messages):
            raise HaAnswerError(f"Home Assistant at {self.url}: expected JSON objects")
        return messages

    def _authenticate(self, ws: Any) -> str:
        """auth_required, then our token, then auth_ok (or auth_invalid: the token was refused)."""
        self._expect(self._receive(ws)[0], "auth_required")
        ws.send(json.dumps({"type": "auth", "access_token": self._token}))
        answer = self._receive(ws)[0]
        if answer.get("type") == "auth_invalid":
            why = str(answer.get("message") or "invalid access token")[:120]
            raise HaAuthError(f"Home Assistant at {self.url} refused the access token: {why}")
        return str(self._expect(answer, "auth_ok").get("ha_version") or "")

    def _expect(self, message: dict[str, Any], kind: str) -> dict[str, Any]:
        if message.get("type") != kind:
            raise HaAnswerError(f"Home Assistant at {self.url}: expected {kind}, got {str(message.get('type'))[:40]!r}")
        return message

    def _ask(self, ws: Any, commands: list[dict[str, Any]]) -> dict[str, Any]:
        """Send every command (ids counting up), then gather the results by id (they may come in any order)."""
        pending: dict[int, str] = {}
        for command in commands:
            self._next_id += 1
            pending[self._next_id] = command["type"]
            ws.send(json.dumps({"id": self._next_id, **command}))
        results: dict[str, Any] = {}
        while pending:
            for message in self._receive(ws):
                ours = message.get("type") == "result" and isinstance(message.get("id"), int)
                kind = pending.pop(message["id"], None) if ours else None
                if kind is None:
                    continue  # not an answer of ours (an event, a pong)
                if message.get("success") is not True:
                    error = message.get("error") if isinstance(message.get("error"), dict) else {}
                    code, text = str(error.get("code", "?"))[:40], str(error.get("message", ""))[:120]
                    problem = HaAuthError if code == "unauthorized" else HaAnswerError
                    hint = " (the token must be an administrator's)" if code == "unauthorized" else ""
                    raise problem(f"Home Assistant at {self.url}: {kind} failed: {code}: {text}{hint}")
                results[kind] = message.get("result")
        return results


def _exposed_ids(entries: Any, exposed: Any) -> list[str]:
    """Registry entities exposed to Assist (shapes are checked later, by parse_view)."""
    if not isinstance(entries, list) or not isinstance(exposed, dict):
        return []
    to = exposed.get("exposed_entities")
    to = to if isinstance(to, dict) else {}
    ids = (e.get("entity_id") for e in entries if isinstance(e, dict))
    return [i for i in ids if isinstance(i, str) and isinstance(to.get(i), dict) and to[i].get(ASSISTANT) is True]


def _line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text[:160]
