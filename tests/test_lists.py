"""Shopping and to-do lists kept on the device and visible over MQTT (#34): Home Assistant's list intents
add to and check off a list kept in a file, published retained for the device's "Lists" sensor; with no
store (one-shot commands) they are refused, never answered "Added milk" with nothing kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.broker.ha_device import DeviceTopics, discovery_config
from app.config import MqttSettings, Settings
from app.core.assistant import Assistant
from app.core.failure import Failure
from app.serve.lists import serve_lists
from devices.lists import MAX_ITEMS, ListError, ListStore
from devices.mqtt import MqttLink
from devices.registry import build_home, load_fixture_file
from tests.conftest import FIXTURES, Mosquitto, Subscriber

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")


def _settings(tmp_path: Path, port: int = 0) -> Settings:
    mqtt = MqttSettings(host="127.0.0.1", port=port) if port else MqttSettings()
    return Settings(mqtt=mqtt, intents={"stage": "templates"}, timers={"file": str(tmp_path / "timers.json")})


@pytest.mark.fast
def test_without_a_store_a_list_intent_is_refused(tmp_path: Path) -> None:
    outcome = Assistant(_settings(tmp_path), HOME).handle("add milk to my shopping list")
    assert outcome.failure is Failure.NOT_POSSIBLE and outcome.reply == "Sorry, lists are not kept on this device"


@pytest.mark.fast
def test_items_are_kept_in_order_checked_off_and_survive_a_restart(tmp_path: Path) -> None:
    assistant = Assistant(_settings(tmp_path), HOME)
    serve_lists(assistant)
    for text in ("add milk to my shopping list", "add eggs to the shopping list", "add dishes to my chores list",
                 "check off milk on my shopping list"):
        assert assistant.handle(text).failure is None, text
    missing = assistant.handle("check off bread on my shopping list")
    assert missing.failure is Failure.NOT_POSSIBLE and missing.reply == "bread is not on the list"
    assert assistant.handle("add milk to my shopping list", dry_run=True).failure is None  # nothing kept
    again = Assistant(_settings(tmp_path), HOME)
    assert serve_lists(again).snapshot() == {
        "shopping_list": [{"summary": "milk", "complete": True}, {"summary": "eggs", "complete": False}],
        "todo.chores": [{"summary": "dishes", "complete": False}]}


@pytest.mark.fast
def test_a_list_is_bounded_and_a_corrupt_file_is_left_alone(tmp_path: Path, caplog) -> None:
    store = ListStore(tmp_path / "lists.json")
    for n in range(MAX_ITEMS):
        store.add("shopping_list", f"item {n}")
    with pytest.raises(ListError, match="list_full"):
        store.add("shopping_list", "one more")
    (tmp_path / "lists.json").write_text("{not json", encoding="utf-8")
    assistant = Assistant(_settings(tmp_path), HOME)
    serve_lists(assistant).add("shopping_list", "milk")  # kept in memory
    assert (tmp_path / "lists.json").read_text(encoding="utf-8") == "{not json"
    assert "lists are kept in memory" in caplog.text


def test_lists_are_published_for_home_assistant(mosquitto: Mosquitto, tmp_path: Path) -> None:
    settings = _settings(tmp_path, mosquitto.port)
    topic = "hearth/kitchen/lists"
    subscriber = Subscriber(mosquitto.port, topic)
    with MqttLink(settings.mqtt, "hearth-lists-test") as link:
        assistant = Assistant(settings, HOME, link)
        serve_lists(assistant, link, ("kitchen",))
        assistant.handle("add milk to my shopping list")
        assistant.handle("add dishes to my chores list")
        assistant.handle("check off milk on my shopping list")
        states = [json.loads(payload) for _, payload in subscriber.collect(4)]
    subscriber.close()
    assert [s["count"] for s in states] == [0, 1, 2, 1]  # as connected, then after each change
    assert states[-1]["lists"]["todo.chores"] == [{"summary": "dishes", "complete": False}]
    retained = Subscriber(mosquitto.port, topic)  # a Home Assistant that starts later reads it
    assert json.loads(retained.collect(1)[0][1]) == states[-1]
    retained.close()
    with MqttLink(settings.mqtt, "hearth-lists-clear") as link:  # the broker is the session's: leave it clean
        link.publish(topic, b"", retain=True)
    sensor = discovery_config("kitchen", DeviceTopics("hearth/kitchen"))["cmps"]["lists"]
    assert sensor["stat_t"] == sensor["json_attr_t"] == topic and sensor["val_tpl"] == "{{ value_json.count }}"
