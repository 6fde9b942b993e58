"""Home Assistant's websocket API (issue #29): aliases, areas, floors and exposure to Assist.

A fake Home Assistant on 127.0.0.1 answers with the message shapes of Home
Assistant 2025.4 (``config/entity_registry/list`` and ``get_entries``, the
device, area and floor registries, ``homeassistant/expose_entity/list``); the
pure parts are in the fast tier.
"""

from __future__ import annotations

import copy
import json
import logging
import socket
import threading
from dataclasses import replace
from typing import Any, Iterator, Optional

import pytest
from pydantic import ValidationError
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

from devices.discovery import parse_discovery
from devices.discovery_listener import merge_discovered
from devices.ha_api import (
    ENV_HA_TOKEN,
    HaAnswerError,
    HaAuthError,
    HaUnreachable,
    HomeAssistantApi,
    HomeAssistantApiSettings,
    parse_view,
)
from devices.ha_assist import AssistShaper, ViewKeeper, apply_view
from devices.registry import Area, Entity, Home

TOKEN = "long-lived-token"


def _entry(entity_id: str, platform: str = "mqtt", unique_id: Optional[str] = None, device_id: Optional[str] = None,
           original_name: Optional[str] = None, **extra: Any) -> dict[str, Any]:
    """An entity registry entry as ``config/entity_registry/list`` sends it (``as_partial_dict``)."""
    return {"area_id": None, "categories": {}, "config_entry_id": "e1", "config_subentry_id": None,
            "created_at": 1.0, "device_id": device_id, "disabled_by": None, "entity_category": None,
            "entity_id": entity_id, "has_entity_name": True, "hidden_by": None, "icon": None, "id": entity_id[::-1],
            "labels": [], "modified_at": 1.0, "name": None, "options": {}, "original_name": original_name,
            "platform": platform, "translation_key": None, "unique_id": unique_id or entity_id.split(".")[1], **extra}


def _device(device_id: str, name: str, area_id: Optional[str] = None, **extra: Any) -> dict[str, Any]:
    return {"area_id": area_id, "config_entries": ["e1"], "connections": [], "id": device_id,
            "identifiers": [["mqtt", device_id]], "manufacturer": "IKEA", "model": None, "name_by_user": None,
            "name": name, "via_device_id": None, "disabled_by": None, "entry_type": None, **extra}


def registries() -> dict[str, Any]:
    """The fake home: a kitchen light (alias "pendant", area from its device), a hidden lock, a porch
    switch the user renamed, and a Hue light that took ``light.kitchen_light`` before the MQTT one."""
    return {
        "config/entity_registry/list": [
            _entry("light.kitchen_light", unique_id="z2m_kitchen_light", device_id="dev_kitchen"),
            _entry("lock.back_door", unique_id="z2m_back_door", device_id="dev_door"),
            _entry("switch.porch", unique_id="porch_sw", name="Porch Lamp", area_id="porch"),
            _entry("light.desk_2", unique_id="z2m_desk", device_id="dev_desk"),
            _entry("light.desk", platform="hue", unique_id="hue-1", original_name="Desk"),
        ],
        "config/device_registry/list": [_device("dev_kitchen", "Kitchen Light", "kitchen"),
                                        _device("dev_door", "Back Door", "hall"),
                                        _device("dev_desk", "Desk", name_by_user="Study Desk", area_id="study")],
        "config/area_registry/list": [
            {"aliases": ["cookery"], "area_id": "kitchen", "floor_id": "ground", "name": "Kitchen", "icon": None,
             "labels": [], "picture": None, "humidity_entity_id": None, "temperature_entity_id": None},
            {"aliases": [], "area_id": "hall", "floor_id": "ground", "name": "Hall"},
            {"aliases": [], "area_id": "porch", "floor_id": None, "name": "Porch"},
            {"aliases": ["office"], "area_id": "study", "floor_id": "upstairs", "name": "Study"},
        ],
        "config/floor_registry/list": [
            {"aliases": ["downstairs"], "floor_id": "ground", "icon": None, "level": 0, "name": "Ground Floor"},
            {"aliases": [], "floor_id": "upstairs", "icon": None, "level": 1, "name": "First Floor"},
        ],
        "homeassistant/expose_entity/list": {"exposed_entities": {
            "light.kitchen_light": {"conversation": True},
            "switch.porch": {"conversation": True, "cloud.alexa": True},
            "light.desk_2": {"conversation": True},
            "lock.back_door": {"cloud.alexa": True},  # Alexa may, Assist may not
        }},
        "aliases": {"light.kitchen_light": ["Pendant", None], "switch.porch": [], "light.desk_2": ["Work Lamp"]},
    }


def _full(data: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """``config/entity_registry/get_entries``: the extended dict (with aliases) of each id, None if unknown."""
    entries = {e["entity_id"]: e for e in data["config/entity_registry/list"]}
    return {i: {**entries[i], "aliases": data["aliases"].get(i, []), "capabilities": None,
                "device_class": None, "original_device_class": None, "original_icon": None}
            if i in entries else None for i in ids}


def _view(data: Optional[dict[str, Any]] = None) -> Any:
    """The view from these registries, with every entry's aliases (as ``get_entries`` gives them)."""
    data = data or registries()
    if not isinstance(data["config/entity_registry/list"], list):
        return parse_view(data)
    ids = [e["entity_id"] for e in data["config/entity_registry/list"]]
    return parse_view({**data, "config/entity_registry/get_entries": _full(data, ids)})


class FakeHomeAssistant:
    """Home Assistant's websocket API as far as the link uses it; ``data`` may be changed by a test."""

    def __init__(self) -> None:
        self.data = registries()
        self.token = TOKEN
        self.asked: list[dict[str, Any]] = []
        self.silent = False
        self.server = serve(self._handle, "127.0.0.1", 0, process_request=self._only_the_api)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def _only_the_api(ws: ServerConnection, request: Request) -> Optional[Response]:
        return None if request.path == "/api/websocket" else ws.respond(404, "Not Found")

    def _handle(self, ws: ServerConnection) -> None:
        ws.send(json.dumps({"type": "auth_required", "ha_version": "2025.4.4"}))
        auth = json.loads(ws.recv())
        if auth.get("access_token") != self.token:
            ws.send(json.dumps({"type": "auth_invalid", "message": "Invalid access token or password"}))
            return
        ws.send(json.dumps({"type": "auth_ok", "ha_version": "2025.4.4"}))
        for raw in ws:
            message = json.loads(raw)
            self.asked.append(message)
            if self.silent:
                continue
            kind = message["type"]
            if kind == "config/entity_registry/get_entries":
                result: Any = _full(self.data, message["entity_ids"])
            elif isinstance(self.data.get(kind), Exception):
                error = self.data[kind]
                ws.send(json.dumps({"id": message["id"], "type": "result", "success": False,
                                    "error": {"code": str(error), "message": "Unauthorized"}}))
                continue
            else:
                result = self.data[kind]
            ws.send(json.dumps({"id": message["id"], "type": "result", "success": True, "result": result}))

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def fake_ha() -> Iterator[FakeHomeAssistant]:
    ha = FakeHomeAssistant()
    yield ha
    ha.close()


def _settings(url: str, timeout: float = 3.0, **extra: Any) -> HomeAssistantApiSettings:
    return HomeAssistantApiSettings(url=url, token=TOKEN, timeout=timeout, **extra)


def _api(url: str, **extra: Any) -> HomeAssistantApi:
    return HomeAssistantApi(_settings(url, **extra), environ={})


def _discovered_home() -> tuple[Home, set[str]]:
    """Hearth's home as discovery builds it (zigbee2mqtt configs), with one configured entity."""
    base = Home(entities=(Entity("switch.garden_pump", "Garden Pump"),))

    def z2m(name: str, component: str, object_id: Optional[str] = None) -> Any:
        oid = object_id or name.lower().replace(" ", "_")
        config = {"name": None, "object_id": oid, "unique_id": f"z2m_{name.lower().replace(' ', '_')}",
                  "command_topic": f"zigbee2mqtt/{name}/set", "state_topic": f"zigbee2mqtt/{name}",
                  "device": {"identifiers": [f"z2m_{oid}"], "name": name, "suggested_area": "Kitchen"}}
        return parse_discovery(f"homeassistant/{component}/{oid}/{component}/config",
                               json.dumps(config).encode()).entities
    found = [*z2m("Kitchen Light", "light"), *z2m("Back Door", "lock"), *z2m("Desk", "light", "desk"),
             *z2m("Attic Fan", "switch")]
    home = merge_discovered(base, found)
    # Discovery's unique_id, as the wiring puts it into attributes (see docs/home-assistant-api.md).
    uids = {"light.kitchen_light": "z2m_kitchen_light", "lock.back_door": "z2m_back_door",
            "light.desk": "z2m_desk", "switch.attic_fan": "z2m_attic_fan"}
    home = replace(home, entities=tuple(replace(e, attributes={**e.attributes, "unique_id": uids[e.id]})
                                        if e.id in uids else e for e in home.entities))
    return home, {e.id for e in base.entities}


# ---------------------------------------------------------------- pure parts


@pytest.mark.fast
def test_an_alias_set_in_home_assistant_is_a_name_hearth_knows() -> None:
    home, configured = _discovered_home()
    result, report = apply_view(home, _view(), configured)
    kitchen = result.entity("light.kitchen_light")
    assert kitchen is not None and kitchen.names == ("Kitchen Light", "Pendant")
    assert report.kept == len(result.entities)


@pytest.mark.fast
def test_an_entity_not_exposed_to_assist_is_gone() -> None:
    home, configured = _discovered_home()
    result, report = apply_view(home, _view(), configured)
    assert result.entity("lock.back_door") is None and "lock.back_door" not in result.initial_states
    assert report.not_exposed == ("lock.back_door",)
    assert "not exposed to Assist" in report.line() and "\n" not in report.line()


@pytest.mark.fast
def test_a_configured_entity_hidden_in_home_assistant_is_gone_too() -> None:
    home = Home(entities=(Entity("lock.back_door", "Back Door"), Entity("switch.porch", "Porch")))
    result, _ = apply_view(home, _view(), {"lock.back_door", "switch.porch"})
    assert [e.id for e in result.entities] == ["switch.porch"]
    porch = result.entity("switch.porch")
    assert porch.name == "Porch" and "Porch Lamp" in porch.aliases  # the user's name, and Home Assistant's
    assert porch.area_id == "porch"


@pytest.mark.fast
def test_area_comes_from_the_device_with_its_aliases_and_floor() -> None:
    home, configured = _discovered_home()
    result, _ = apply_view(home, _view(), configured)
    kitchen = result.entity("light.kitchen_light")
    assert kitchen.area_id == "kitchen"
    assert result.find_area("cookery").id == "kitchen"  # an area alias
    assert result.floor_of(kitchen) == "ground" and result.find_floor("downstairs").id == "ground"
    # Discovery's "Kitchen" (from suggested_area) is Home Assistant's kitchen, not a second one.
    assert [a.id for a in result.areas].count("kitchen") == 1 and len(result.areas) == 4


@pytest.mark.fast
def test_a_discovered_entity_is_matched_by_unique_id_when_ids_differ() -> None:
    """Home Assistant gave ``light.desk`` to Hue; the MQTT desk is ``light.desk_2`` there."""
    home, configured = _discovered_home()
    result, report = apply_view(home, _view(), configured)
    desk = result.entity("light.desk")  # Hearth's id stays: it commands over its own topics
    assert desk.names == ("Study Desk", "Work Lamp") and desk.area_id == "study"
    assert result.floor_of(desk) == "upstairs" and report.matched_by_unique_id == 1
    explicit, _ = apply_view(replace(home, entities=tuple(replace(e, attributes={}) for e in home.entities)),
                             _view(), configured, unique_ids={"light.desk": "z2m_desk"})
    assert explicit.entity("light.desk").name == "Study Desk"


@pytest.mark.fast
def test_unknown_to_home_assistant_kept_only_when_configured_in_hearth() -> None:
    home, configured = _discovered_home()
    result, report = apply_view(home, _view(), configured)
    assert result.entity("switch.garden_pump") is not None  # Hearth's own config
    assert result.entity("switch.attic_fan") is None and report.unknown == ("switch.attic_fan",)


@pytest.mark.fast
def test_hearths_own_areas_stay_when_home_assistant_lacks_them() -> None:
    home = Home(areas=(Area("garden", "Garden"), Area("kitchen_id", "kitchen")),
                entities=(Entity("switch.garden_pump", "Garden Pump", area_id="garden"),
                          Entity("light.under_cabinet", "Under Cabinet", area_id="kitchen_id")))
    result, _ = apply_view(home, _view(), {"switch.garden_pump", "light.under_cabinet"})
    assert result.find_area("garden").id == "garden"
    assert result.entity("light.under_cabinet").area_id == "kitchen"  # Hearth's kitchen is Home Assistant's


@pytest.mark.fast
def test_a_disabled_entity_is_not_exposed() -> None:
    data = registries()
    data["config/entity_registry/list"][0]["disabled_by"] = "user"
    assert not _view(data).entities["light.kitchen_light"].exposed


@pytest.mark.fast
@pytest.mark.parametrize("key, value, where", [
    ("config/entity_registry/list", {"not": "a list"}, "entity registry"),
    ("config/area_registry/list", [{"area_id": "x"}], "area registry: 0.name"),
    ("homeassistant/expose_entity/list", {"exposed": {}}, "exposed entities"),
    ("config/floor_registry/list", None, "floor registry"),
])
def test_a_malformed_answer_is_one_line(key: str, value: Any, where: str) -> None:
    data = registries()
    data[key] = value
    with pytest.raises(HaAnswerError, match=where) as err:
        _view(data)
    assert "\n" not in str(err.value)


@pytest.mark.fast
def test_settings() -> None:
    assert not HomeAssistantApiSettings().enabled
    settings = HomeAssistantApiSettings(url="https://ha.example:8123/", token="from-config")
    assert settings.websocket_url() == "wss://ha.example:8123/api/websocket"
    assert settings.resolved_token({ENV_HA_TOKEN: "from-env"}) == "from-env"
    assert settings.resolved_token({}) == "from-config"
    for bad in ({"url": "homeassistant.local:8123"}, {"timeout": 0}, {"refresh": 5}):
        with pytest.raises(ValidationError):
            HomeAssistantApiSettings(**bad)


# ---------------------------------------------------------------- over the websocket


def test_fetch_and_apply(fake_ha: FakeHomeAssistant) -> None:
    view = _api(fake_ha.url).fetch()
    assert view.version == "2025.4.4" and view.entities["light.kitchen_light"].aliases == ("Pendant",)
    asked = [m["type"] for m in fake_ha.asked]
    assert asked[-1] == "config/entity_registry/get_entries" and "config/entity_registry/update" not in asked
    assert sorted(fake_ha.asked[-1]["entity_ids"]) == ["light.desk_2", "light.kitchen_light", "switch.porch"]
    assert len({m["id"] for m in fake_ha.asked}) == len(fake_ha.asked)  # one id per command
    home, configured = _discovered_home()
    result, _ = apply_view(home, view, configured)
    assert result.entity("light.kitchen_light").aliases == ("Pendant",) and result.entity("lock.back_door") is None


def test_bad_token_is_a_one_line_error(fake_ha: FakeHomeAssistant) -> None:
    fake_ha.token = "another"
    with pytest.raises(HaAuthError, match="refused the access token: Invalid access token"):
        _api(fake_ha.url).fetch()
    with pytest.raises(HaAuthError, match=ENV_HA_TOKEN):
        HomeAssistantApi(HomeAssistantApiSettings(url=fake_ha.url), environ={}).fetch()
    settings = HomeAssistantApiSettings(url=fake_ha.url, token=TOKEN)  # the environment's token wins
    assert HomeAssistantApi(settings, environ={ENV_HA_TOKEN: "another"}).fetch().version == "2025.4.4"


def test_a_malformed_answer_over_the_wire(fake_ha: FakeHomeAssistant) -> None:
    fake_ha.data["config/device_registry/list"] = [{"name": "no id"}]
    with pytest.raises(HaAnswerError, match="device registry: 0.id: field required"):
        _api(fake_ha.url).fetch()


def test_a_token_without_admin_rights(fake_ha: FakeHomeAssistant) -> None:
    fake_ha.data["homeassistant/expose_entity/list"] = RuntimeError("unauthorized")
    with pytest.raises(HaAuthError, match="administrator"):
        _api(fake_ha.url).fetch()


def test_unreachable_and_silent(fake_ha: FakeHomeAssistant) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens there
    with pytest.raises(HaUnreachable, match="cannot connect"):
        _api(f"http://127.0.0.1:{port}").fetch()
    fake_ha.silent = True
    with pytest.raises(HaUnreachable, match="no answer"):
        _api(fake_ha.url, timeout=0.3).fetch()
    with pytest.raises(HaUnreachable, match="404"):  # not Home Assistant's websocket
        _api(f"{fake_ha.url}/somewhere/else", timeout=1.0).fetch()


def test_the_keeper_keeps_the_last_view_and_logs_one_line(fake_ha: FakeHomeAssistant,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    seen = []
    keeper = ViewKeeper(_settings(fake_ha.url, refresh_seconds=0), seen.append).start()
    assert keeper.view is not None and len(seen) == 1
    keeper.refresh()
    assert len(seen) == 1  # the same view is not offered again
    fake_ha.data = copy.deepcopy(fake_ha.data)
    fake_ha.data["config/area_registry/list"] = "garbage"
    with caplog.at_level(logging.WARNING, logger="devices.ha_assist"):
        assert keeper.refresh() is None and keeper.refresh() is None
    assert keeper.view is seen[0]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage() and not warnings[0].exc_info
    fake_ha.data["config/area_registry/list"] = registries()["config/area_registry/list"]
    fake_ha.data["aliases"]["light.kitchen_light"] = ["Pendant", "Big Lamp"]
    assert keeper.refresh() is not None and len(seen) == 2
    keeper.stop()


def test_shaper_uses_the_latest_view(fake_ha: FakeHomeAssistant) -> None:
    home, configured = _discovered_home()
    keeper = ViewKeeper(_settings("http://127.0.0.1:9", refresh_seconds=0))
    shaper = AssistShaper(keeper, configured)
    assert shaper(home) is home  # no view yet: as without the link
    keeper.api = _api(fake_ha.url)
    keeper.refresh()
    assert shaper(home).entity("lock.back_door") is None
