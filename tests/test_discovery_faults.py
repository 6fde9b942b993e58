"""Discovery under hostile or heavy input (#33, #29): who owns a command topic, Hearth's own
announcements, thousands of configs, template bombs and floods of garbage, over a real Mosquitto."""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any, Callable, Iterator

import paho.mqtt.client as paho
import pytest

from app.broker.connections import HomeConnection, connect_home, wait_for_discovery
from app.broker.ha_device import DeviceTopics, HomeAssistantDevice, discovery_config
from app.config import HomeAssistantSettings, MqttSettings, Settings
from app.core.assistant import Assistant, load_home
from devices.discovery import DiscoveredEntity, DiscoveryError, parse_discovery
from devices.discovery_listener import DiscoveryListener, claim_topics
from devices.entity_config import MqttEntityConfig
from devices.hushed import BURST
from devices.mqtt import MqttLink
from devices.registry import Entity, Home
from devices.value_template import TemplateError, render, render_value
from tests.conftest import Mosquitto

_COUNTER = iter(range(10**6))

#: Three nested loops of 500: 125 million iterations, about ten seconds of the MQTT thread unbounded.
BOMB = "{% for a in range(500) %}{% for b in range(500) %}{% for c in range(500) %}{% endfor %}{% endfor %}{% endfor %}x"


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A broker of this module's own: the take-up test leaves 5,000 retained configs behind. Mosquitto
    queues at most 1,000 messages for a QoS 1 subscriber by default and drops the rest: a home of 5,000
    retained configs needs ``max_queued_messages`` raised (or discovery subscribed at QoS 0)."""
    broker = Mosquitto(tmp_path_factory.mktemp("discovery-faults"),
                       "allow_anonymous true\nmax_queued_messages 20000\n").start()
    yield broker
    broker.stop()


def _publisher(port: int) -> paho.Client:
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"faults-{time.monotonic_ns()}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def _send(client: paho.Client, topic: str, payload: str | bytes, retain: bool = True) -> None:
    """Retained by default, as devices publish their configs (each test has its own prefix)."""
    client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(10)


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    return condition()


def _hearth(port: int, prefix: str, site: str = "hearth", announce: bool = False,
            ) -> tuple[Assistant, MqttLink, HomeConnection]:
    settings = Settings(site=site, mqtt=MqttSettings(host="127.0.0.1", port=port),
                        homeassistant=HomeAssistantSettings(discovery_prefix=prefix, announce=announce))
    link = MqttLink(settings.mqtt, f"hearth-faults-{time.monotonic_ns()}")
    assistant = Assistant(settings, load_home(settings), link)
    connection = connect_home(assistant, link, settings, site, announce=announce)
    link.connect()
    wait_for_discovery(connection)
    return assistant, link, connection


def _config(name: str, command: str | None, **more: Any) -> bytes:
    body = {"name": name, "uniq_id": name.lower().replace(" ", "_"), "dev": {"ids": [name], "name": name}, **more}
    return json.dumps({**body, "cmd_t": command} if command else body).encode()


def _found(entity_id: str, command: str, device: str, device_class: str | None = None) -> DiscoveredEntity:
    entity = Entity(id=entity_id, name=entity_id.split(".")[1], device_class=device_class,
                    mqtt=MqttEntityConfig(command_topic=command))
    return DiscoveredEntity(f"ha/{entity_id}/config", entity, device=device)


def _refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Refused discovered")]


# -- 1. who owns a command topic --------------------------------------------------------------

@pytest.mark.fast
def test_a_command_topic_has_one_owner_and_a_sensitive_one_is_never_shared() -> None:
    porch = _found("light.porch", "z2m/front/set", "porch")
    door = _found("lock.front_door", "z2m/front/set", "front")
    kettle, toaster = _found("switch.kettle", "k/set", "kettle"), _found("switch.toaster", "k/set", "toaster")
    relay1, relay2 = _found("switch.relay_1", "plug/set", "plug"), _found("switch.relay_2", "plug/set", "plug")
    lab = _found("switch.lab", "hearth/lab/command", "lab")
    garage = _found("cover.garage", "g/set", "g", "garage")
    garage_light = _found("light.garage_light", "g/set", "g")
    configured = Home(entities=(Entity(id="switch.pump", name="Pump", mqtt=MqttEntityConfig(command_topic="p/set")),))
    pump_twin, pump_override = _found("switch.fake_pump", "p/set", "x"), _found("switch.pump", "p/set", "y")

    kept, refused = claim_topics(configured, [porch, door, kettle, toaster, relay1, relay2, lab, garage,
                                              garage_light, pump_twin, pump_override], "hearth")
    assert [k.entity.id for k in kept] == ["lock.front_door", "cover.garage", "switch.kettle", "switch.relay_1",
                                           "switch.relay_2", "switch.pump"]
    assert {(r.entity_id, r.topic, r.reason) for r in refused} == {
        ("light.porch", "z2m/front/set", "belongs to lock.front_door"),  # announced first, still refused
        ("switch.toaster", "k/set", "belongs to switch.kettle"),
        ("switch.lab", "hearth/lab/command", "is under Hearth's own topic prefix 'hearth'"),
        ("light.garage_light", "g/set", "belongs to cover.garage"),  # one device, but a garage door's topic
        ("switch.fake_pump", "p/set", "belongs to switch.pump"),
    }
    assert claim_topics(Home(), [lab], "home/hearth")[1] == []  # another prefix: not Hearth's


def test_a_config_cannot_take_a_lock_or_hearth_topic_over_the_broker(mosquitto: Mosquitto, caplog) -> None:
    prefix = f"faults{next(_COUNTER)}"
    caplog.set_level(logging.INFO, logger="devices.discovery_listener")
    devices = _publisher(mosquitto.port)
    # The porch light is announced first and aims at the front door's lock topic, with the lock's payload.
    _send(devices, f"{prefix}/light/porch/config", _config("Porch Light", "z2m/Front Door/set", pl_on="UNLOCK"))
    _send(devices, f"{prefix}/lock/front/config", _config("Front Door", "z2m/Front Door/set"))
    _send(devices, f"{prefix}/switch/lab/config", _config("Lab", "hearth/lab/command"))
    _send(devices, f"{prefix}/switch/kettle/config", _config("Kettle", "kitchen/kettle/set"))
    assistant, link, connection = _hearth(mosquitto.port, prefix)
    try:
        assert _until(lambda: len(connection.discovery.current.entities) == 2)
        _send(devices, f"{prefix}/switch/toaster/config", _config("Toaster", "kitchen/kettle/set"))  # claimed later
        assert _until(lambda: len(_refusals(caplog)) == 3)
        assert not assistant.handle("turn on the porch light").published
        assert not assistant.handle("turn on the lab").published
        assert not assistant.handle("turn on the toaster").published
        outcome = assistant.handle("turn on the kettle")
        assert [m.topic for m in outcome.messages] == ["kitchen/kettle/set"]
        outcome = assistant.handle("unlock the front door", confirmed=True)
        assert [(m.topic, m.payload) for m in outcome.messages] == [("z2m/Front Door/set", "UNLOCK")]
        _send(devices, f"{prefix}/switch/other/config", _config("Other", "other/set"))  # another rebuild
        assert _until(lambda: len(connection.discovery.current.entities) == 3)
        refusals = _refusals(caplog)
        assert len(refusals) == 3  # one line each, not one per rebuild
        assert any("light.porch" in r and "'z2m/Front Door/set'" in r and "lock.front" in r for r in refusals)
        assert any("switch.lab" in r and "'hearth/lab/command'" in r for r in refusals)
        assert any("switch.toaster" in r and "'kitchen/kettle/set'" in r for r in refusals)
    finally:
        link.close()
        devices.loop_stop()


# -- 2. Hearth's own announcements --------------------------------------------------------------

@pytest.mark.fast
def test_hearth_announcements_are_marked_as_hearths() -> None:
    config = discovery_config("bench", DeviceTopics("hearth/bench"))
    found = parse_discovery("homeassistant/device/hearth_bench/config", json.dumps(config).encode())
    assert found.from_hearth and found.entities
    other = parse_discovery("homeassistant/switch/x/config", _config("X", "x/set", o={"name": "Zigbee2MQTT"}))
    assert not other.from_hearth


def test_hearth_does_not_import_itself_or_another_hearth(mosquitto: Mosquitto, caplog) -> None:
    prefix = f"faults{next(_COUNTER)}"
    caplog.set_level(logging.INFO, logger="devices.discovery_listener")
    devices = _publisher(mosquitto.port)
    attic = discovery_config("attic", DeviceTopics("elsewhere/attic"))  # another Hearth, another topic prefix
    _send(devices, f"{prefix}/device/hearth_attic/config", json.dumps(attic))
    _send(devices, f"{prefix}/switch/kettle/config", _config("Kettle", "kitchen/kettle/set"))
    assistant, link, connection = _hearth(mosquitto.port, prefix, site="bench", announce=True)
    try:
        assert _until(lambda: caplog.text.count("announced by Hearth") >= 2)  # its own arrives once it is online
        wait_for_discovery(connection)
        assert [e.id for e in connection.discovery.current.entities] == ["switch.kettle"]
        watcher_topics = [m.topic for m in assistant.handle("turn on hearth bench mute").messages]
        assert watcher_topics == [] and not connection.device.muted
        assert not assistant.handle("turn on hearth attic mute").published
    finally:
        connection.close()
        link.close()
        devices.loop_stop()


def test_mute_takes_exactly_on_or_off(mosquitto: Mosquitto, caplog) -> None:
    link = MqttLink(MqttSettings(host="127.0.0.1", port=mosquitto.port), f"hearth-mute-{time.monotonic_ns()}")
    device = HomeAssistantDevice(link, "mutetest", "hearth", "faultsmute")
    muted: list[bool] = []
    device.start(muted.append, lambda text: None)
    link.connect()
    sender = _publisher(mosquitto.port)
    try:
        for payload in (b"on ", b"On", b" ON", b"ON\n", b"\xff", b"OFF ", b"", b"ON", b"off", b"OFF"):
            _send(sender, "hearth/mutetest/mute/set", payload, retain=False)
        assert _until(lambda: len(muted) == 2)
        time.sleep(0.2)
        assert muted == [True, False] and not device.muted  # only the exact payloads flipped it
        # Eight ignored: the first BURST said one by one, the rest counted in one line when the period ends.
        assert caplog.text.count("Ignored mute payload") == BURST
    finally:
        link.close()
        sender.loop_stop()


# -- 3. thousands of configs, and bounded sizes ------------------------------------------------

@pytest.mark.fast
@pytest.mark.parametrize("payload, message", [
    (_config("N" * 256, "a/set"), "name longer than 255"),
    (_config("Lamp", "a/set", dev={"ids": ["x"], "sa": "A" * 256}), "suggested_area longer than 255"),
    (_config("Lamp", "a/set", note="x" * 70_000), "payload of 70"),
    (b"{" * 70_000, "payload of 70000 bytes"),
    (b'{"name": ' + b"[" * 60_000, "nested too deeply"),
], ids=["long name", "long area", "70 KB config", "70 KB of braces", "deep JSON"])
def test_oversized_configs_are_refused_with_a_reason(payload: bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        parse_discovery("homeassistant/switch/x/config", payload)


def test_five_thousand_configs_are_taken_up_in_seconds(mosquitto: Mosquitto) -> None:
    prefix, count = f"faults{next(_COUNTER)}", 5000
    devices = _publisher(mosquitto.port)
    infos = [devices.publish(f"{prefix}/switch/plug_{i}/config", json.dumps(
        {"name": f"Plug {i}", "cmd_t": f"plugs/{i}/set", "stat_t": f"plugs/{i}/state", "uniq_id": f"plug_{i}"}),
        qos=1, retain=True) for i in range(count)]
    for info in infos:
        info.wait_for_publish(30)
    settings = Settings(mqtt=MqttSettings(host="127.0.0.1", port=mosquitto.port),
                        homeassistant=HomeAssistantSettings(discovery_prefix=prefix, announce=False))
    link = MqttLink(settings.mqtt, f"hearth-many-{time.monotonic_ns()}")
    assistant = Assistant(settings, load_home(settings), link)
    connection = connect_home(assistant, link, settings, settings.site, announce=False)
    started = time.perf_counter()
    link.connect()
    try:
        assert _until(lambda: len(connection.discovery.current.entities) == count, timeout=60)
        took = time.perf_counter() - started
        print(f"\n{count} discovery configs taken up in {took:.2f} s")
        assert took <= 10.0
        def plug_on() -> bool:  # sent again until its subscription (among 5,000 new ones) is in place
            _send(devices, "plugs/4999/state", "ON", retain=False)
            return assistant.states.get("switch.plug_4999").state == "on"

        assert _until(plug_on, timeout=20)
    finally:
        link.close()
        devices.loop_stop()


# -- 4. template bombs -----------------------------------------------------------------------

@pytest.mark.fast
@pytest.mark.parametrize("template", [
    BOMB,
    "{% for a in value %}{% for b in value %}{% for c in value %}{% endfor %}{% endfor %}{% endfor %}",
    "{{ 'x' * 1000000000 }}", "{{ [value] * 10000000 }}", "{{ 9 ** (9 ** 9) }}", "{{ '%999999999d' % 1 }}",
    "{{ value.ljust(1000000000) }}", "{{ value|replace('', value) }}", "{{ range(10000000)|list }}",
    "{% for x in range(1000) %}{{ value }}{% endfor %}",
    "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
], ids=["nested ranges", "nested payload loops", "string times", "list times", "power", "printf width", "ljust",
        "replace squares", "big range", "long output", "macro", "namespace doubling"])
def test_a_template_cannot_hold_the_thread_or_the_memory(template: str) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateError):
        render_value(template, "y" * 20_000)
    assert time.perf_counter() - started < 0.5


@pytest.mark.fast
def test_ordinary_templates_still_render() -> None:
    payload = json.dumps({"POWER": "ON", "temperature": 21.5, "modes": ["heat", "off"]})
    assert render_value("{{ value_json.POWER }}", payload) == "ON"
    assert render_value("{{ '%.1f' % (value_json.temperature|float) }}", payload) == "21.5"
    assert render_value("{% for m in value_json.modes %}{{ m }}{% if not loop.last %},{% endif %}{% endfor %}",
                        payload) == "heat,off"
    assert render_value("{{ value|replace(',', '.') }}", "21,5") == "21.5"
    assert render('{"position": {{ position }}}', position=40) == '{"position": 40}'


def test_a_template_bomb_on_a_state_topic_is_one_warning(mosquitto: Mosquitto, caplog) -> None:
    prefix = f"faults{next(_COUNTER)}"
    devices = _publisher(mosquitto.port)
    _send(devices, f"{prefix}/sensor/bomb/config", json.dumps({"name": "Bomb", "stat_t": "bomb/state",
                                                               "val_tpl": BOMB, "uniq_id": "bomb"}))
    _send(devices, f"{prefix}/switch/kettle/config", _config("Kettle", "kitchen/kettle/set", stat_t="kitchen/kettle"))
    assistant, link, _ = _hearth(mosquitto.port, prefix)
    try:
        assert _until(lambda: assistant.handle("is the kettle on").decision.intent is not None)
        started = time.perf_counter()
        _send(devices, "bomb/state", "1", retain=False)
        _send(devices, "kitchen/kettle", "ON", retain=False)
        assert _until(lambda: assistant.states.get("switch.kettle").state == "on", timeout=10)
        took = time.perf_counter() - started
        print(f"\nkettle state arrived {took * 1000:.0f} ms after the bomb")
        assert took < 1.0
        warnings = [r for r in caplog.records if "sensor.bomb" in r.getMessage()]
        assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING and not warnings[0].exc_info
    finally:
        link.close()
        devices.loop_stop()


# -- 5. floods of garbage ------------------------------------------------------------------------

def _junk(rng: random.Random, depth: int = 0) -> Any:
    """Random JSON values: the shapes a broken or hostile publisher sends."""
    kinds = ["str", "int", "none", "bool", "float"] + (["list", "dict"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "list":
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "dict":
        keys = ["name", "cmd_t", "stat_t", "~", "dev", "ids", "sa", "cmps", "p", "val_tpl", "pl_on", "o",
                "uniq_id", "obj_id", "def_ent_id", "schema", "bri_scl", "sup_clrm", "x"]
        return {rng.choice(keys): _junk(rng, depth + 1) for _ in range(rng.randint(0, 6))}
    return {"str": lambda: rng.choice(["", "~", "a/b", "{{ x", "~/set", "light", "é" * 3, "#"]),
            "int": lambda: rng.randint(-2**40, 2**40), "none": lambda: None, "bool": lambda: rng.random() < .5,
            "float": lambda: rng.choice([1.5, float("1e308"), -0.0])}[kind]()


def _garbage(rng: random.Random, n: int) -> bytes:
    """The n-th malformed payload."""
    kind = n % 8
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
    if kind == 1:
        return b"\xff\xfe" + "é".encode()[:1] * 50  # invalid UTF-8
    if kind == 2:
        return rng.choice([b"[", b'{"a":', b'{"name": [']) * 60_000  # deeper than Python's JSON parser recurses
    if kind == 3 and n % 1000 == 3:
        return b"x" * 1_000_000
    if kind in (3, 4, 5):
        fields = _junk(rng, 1)
        return json.dumps({"name": "J", **(fields if isinstance(fields, dict) else {})}).encode()
    return json.dumps(_junk(rng)).encode()


@pytest.mark.fast
def test_random_configs_are_only_ever_discovery_errors() -> None:
    rng = random.Random(29)
    for n in range(3000):
        component = rng.choice(["switch", "light", "device", "cover", "sensor", "climate"])
        payload = json.dumps(_junk(rng) if n % 3 else {"cmps": {"a": _junk(rng, 1)}, "dev": _junk(rng, 1)}).encode()
        try:
            parse_discovery(f"homeassistant/{component}/n{n}/config", payload)
        except DiscoveryError:
            pass


def test_ten_thousand_malformed_messages_are_lines_not_tracebacks(mosquitto: Mosquitto, caplog) -> None:
    prefix = f"faults{next(_COUNTER)}"
    caplog.set_level(logging.INFO)
    devices = _publisher(mosquitto.port)
    _send(devices, f"{prefix}/switch/kettle/config",
          _config("Kettle", "kitchen/kettle/set", stat_t="zigbee/kettle", val_tpl="{{ value_json.state }}"))
    _send(devices, f"{prefix}/sensor/temp/config", _config("Temp", None, stat_t="office/temp"))
    assistant, link, connection = _hearth(mosquitto.port, prefix)
    rng = random.Random(33)
    topics = [f"{prefix}/switch/junk/config", f"{prefix}/device/junk/config", f"{prefix}/light/n/junk/config",
              "zigbee/kettle", "office/temp"]
    try:
        assert _until(lambda: len(connection.discovery.current.entities) == 2)
        started = time.perf_counter()
        for n in range(10_000):
            devices.publish(topics[n % len(topics)], _garbage(rng, n), qos=0)
        _send(devices, "zigbee/kettle", '{"state": "ON"}', retain=False)  # after the flood: still followed
        assert _until(lambda: assistant.states.get("switch.kettle").state == "on", timeout=60)
        print(f"\n10,000 malformed messages handled in {time.perf_counter() - started:.1f} s")
        assert link.connected and assistant.handle("turn off the kettle").published
        assert [r for r in caplog.records if r.exc_info] == []
        assert "Traceback" not in caplog.text and "Error handling message" not in caplog.text
        assert len(caplog.records) < 100  # a few lines of each kind, the rest counted (devices/hushed.py)
        kept = {e.id for e in connection.discovery.current.entities}  # a random config may happen to be valid
        assert {"switch.kettle", "sensor.temp"} <= kept
    finally:
        link.close()
        devices.loop_stop()


@pytest.mark.fast
def test_configs_that_change_nothing_rebuild_nothing() -> None:
    """Junk and repeated configs leave the home as it was: no new home is handed on to be rebuilt (in the
    malformed flood of #33, each batch of junk rebuilt the home's matcher and held up the network thread)."""
    homes: list[Home] = []
    listener = DiscoveryListener(Home((), (), ()), homes.append, prefix="ha", batch=0.01)
    listener.handle("ha/switch/kettle/config", _config("Kettle", "kitchen/kettle/set"))
    assert _until(lambda: len(homes) == 1)
    rng = random.Random(7)
    for n in range(300):  # in bursts, each built on its own
        listener.handle(f"ha/switch/junk{n % 3}/config", _garbage(rng, n))
        listener.handle("ha/switch/kettle/config", _config("Kettle", "kitchen/kettle/set"))
        if n % 60 == 59:
            time.sleep(0.1)
    listener.handle("ha/switch/toaster/config", _config("Toaster", "kitchen/toaster/set"))
    assert _until(lambda: len(homes) == 2)
    time.sleep(0.2)  # what is still pending is built; none of it changes the home
    assert len(homes) == 2 and [e.id for e in homes[-1].entities] == ["switch.kettle", "switch.toaster"]
    # A config that changes only what entity equality leaves out (a sensor's unit) is still a change.
    listener.handle("ha/sensor/temp/config", _config("Temp", None, stat_t="t", unit_of_measurement="°C"))
    assert _until(lambda: len(homes) == 3)
    listener.handle("ha/sensor/temp/config", _config("Temp", None, stat_t="t", unit_of_measurement="°F"))
    assert _until(lambda: len(homes) == 4)
    assert homes[-1].entity("sensor.temp").attributes["unit_of_measurement"] == "°F"


def test_deep_json_on_an_untemplated_state_topic_is_one_line(mosquitto: Mosquitto, caplog) -> None:
    prefix = f"faults{next(_COUNTER)}"
    devices = _publisher(mosquitto.port)
    _send(devices, f"{prefix}/light/lamp/config", _config("Lamp", "lamp/set", stat_t="lamp", schema="json"))
    _, link, connection = _hearth(mosquitto.port, prefix)
    try:
        assert _until(lambda: len(connection.discovery.current.entities) == 1)
        _send(devices, "lamp", b'{"a":' * 12_000, retain=False)  # 60 KB: under the state payload bound
        assert _until(lambda: "lamp" in caplog.text)
        assert [r for r in caplog.records if r.exc_info] == []
    finally:
        link.close()
        devices.loop_stop()
