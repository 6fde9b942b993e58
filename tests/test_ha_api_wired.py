"""The Home Assistant API link wired into a running Hearth, and against a real Home Assistant (#29)."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from devices.discovery import parse_discovery
from devices.discovery_listener import merge_discovered
from devices.ha_api import HaAuthError, HomeAssistantApi, HomeAssistantApiSettings
from devices.ha_assist import apply_view
from devices.registry import Home
from tests.test_ha_api import TOKEN, FakeHomeAssistant

# ---------------------------------------------------------------- a real Home Assistant


def _admin(ha: Any, *commands: dict[str, Any]) -> list[Any]:
    """The test's own writes to Home Assistant (Hearth's link only reads)."""
    from websockets.sync.client import connect
    with connect(ha.url.replace("http", "ws") + "/api/websocket", proxy=None) as ws:
        ws.recv()
        ws.send(json.dumps({"type": "auth", "access_token": ha.token}))
        assert json.loads(ws.recv())["type"] == "auth_ok"
        results = []
        for n, command in enumerate(commands, 1):
            ws.send(json.dumps({"id": n, **command}))
            answer = json.loads(ws.recv())
            assert answer["success"], answer
            results.append(answer["result"])
        return results


def test_a_real_home_assistant(tmp_path: Any) -> None:
    """Home Assistant 2025.4 itself: an alias, a device's area and the default exposure (no locks) reach Hearth."""
    from tests.conftest import Mosquitto
    from tests.home_assistant import HomeAssistant, find_ha_python, until
    python, why = find_ha_python()
    if python is None:
        print(f"\n*** {why}", file=sys.stderr)
        pytest.skip(why)
    import paho.mqtt.client as paho
    broker = Mosquitto(tmp_path).start()
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="ha-api-devices")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    configs = {}
    for name, component, object_id in (("Kitchen Light", "light", "kitchen_light"), ("Back Door", "lock", "back_door"),
                                       ("Desk Lamp", "light", None)):
        uid = f"z2m_{name.lower().replace(' ', '_')}"
        config = {"name": None, "unique_id": uid, "command_topic": f"z2m/{name}/set", "state_topic": f"z2m/{name}",
                  "device": {"identifiers": [uid], "name": name}, **({"object_id": object_id} if object_id else {})}
        configs[f"homeassistant/{component}/{uid}/{component}/config"] = json.dumps(config).encode()
    for topic, payload in configs.items():
        client.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
    ha = HomeAssistant(python, tmp_path / "ha", broker.port)
    try:
        ha.start()
        assert until(lambda: {"Kitchen Light", "Back Door", "Desk Lamp"} <= set(ha.by_name()), 30)
        devices, area = _admin(ha, {"type": "config/device_registry/list"},
                               {"type": "config/area_registry/create", "name": "Scullery", "aliases": ["cookery"]})
        kitchen_device = next(d["id"] for d in devices if d["name"] == "Kitchen Light")
        _admin(ha, {"type": "config/device_registry/update", "device_id": kitchen_device, "area_id": area["area_id"]},
               {"type": "config/entity_registry/update", "entity_id": "light.kitchen_light", "aliases": ["Pendant"]})
        view = HomeAssistantApi(HomeAssistantApiSettings(url=ha.url, token=ha.token), environ={}).fetch()
        found = [e for topic, payload in configs.items() for e in parse_discovery(topic, payload).entities]
        home = merge_discovered(Home(), found)
        uids = {d.entity.id: json.loads(configs[d.key])["unique_id"] for d in found}
        result, report = apply_view(home, view, set(), uids)
        kitchen = result.entity("light.kitchen_light")
        assert kitchen.names == ("Kitchen Light", "Pendant") and result.find_area("cookery").id == kitchen.area_id
        assert result.entity("lock.back_door") is None  # Home Assistant does not expose locks to Assist by default
        assert report.not_exposed == ("lock.back_door",) and result.entity("light.z2m_desk_lamp").name == "Desk Lamp"
        assert report.matched_by_unique_id == 1, sorted(view.entities)  # Home Assistant's id is light.desk_lamp
        with pytest.raises(HaAuthError):
            HomeAssistantApi(HomeAssistantApiSettings(url=ha.url, token="x" + ha.token[1:]), environ={}).fetch()
    finally:
        ha.stop()
        client.loop_stop()
        broker.stop()


@pytest.fixture
def fake_ha():
    ha = FakeHomeAssistant()
    yield ha
    ha.close()


def test_with_the_link_hearth_acts_only_on_what_assist_may_and_knows_its_aliases(fake_ha: FakeHomeAssistant,
                                                                               mosquitto) -> None:
    """Wired into a running Hearth (connect_home): discovery brings a light and a lock; Home Assistant
    exposes the light to Assist (with the alias "Pendant") and not the lock. The alias is understood, and
    the lock is never acted on, a "yes" included (#29)."""
    from app.broker.connections import connect_home, wait_for_discovery
    from app.config import MqttSettings, Settings
    from app.core.assistant import Assistant
    from devices.mqtt import MqttLink
    from tests.conftest import Subscriber

    prefix = "hadisc"
    configs = {}
    for name, component in (("Kitchen Light", "light"), ("Back Door", "lock")):
        oid = name.lower().replace(" ", "_")
        configs[f"{prefix}/{component}/{oid}/{component}/config"] = json.dumps({
            "name": None, "object_id": oid, "unique_id": f"z2m_{oid}", "command_topic": f"z2m/{oid}/set",
            "state_topic": f"z2m/{oid}", "device": {"identifiers": [f"z2m_{oid}"], "name": name}})
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port), intents={"stage": "templates"},
                        homeassistant={"discovery_prefix": prefix, "announce": False,
                                       "api": {"url": fake_ha.url, "token": TOKEN, "timeout": 3.0}})
    devices = Subscriber(mosquitto.port, "z2m/#")
    with MqttLink(settings.mqtt, "hearth-api-test") as link:
        for topic, payload in configs.items():
            link.publish(topic, payload, retain=True)
        assistant = Assistant(settings, Home(), link)
        connection = connect_home(assistant, link, settings, "kitchen", announce=False)
        wait_for_discovery(connection)
        try:
            pendant = assistant.handle("turn on the pendant")
            assert pendant.published and devices.collect(1) == [("z2m/kitchen_light/set", "ON")]
            door = assistant.handle("unlock the back door")
            assert not door.published and not door.awaiting_confirmation
            assert not assistant.handle("yes").published
            assert devices.collect(1, timeout=1.0) == []
        finally:
            connection.close()
            for topic in configs:
                link.publish(topic, "", retain=True)
    devices.close()
