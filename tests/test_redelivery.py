"""A QoS 1 message the broker delivers again (DUP) after Hearth handled it is not handled twice (#33):
QoS 1 is "at least once", and a typed command redelivered after a reconnection would run again."""

from __future__ import annotations

import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest

from app.config import MqttSettings
from devices.mqtt import MqttLink
from devices.redelivery import Redeliveries
from tests.conftest import Mosquitto


@pytest.mark.fast
def test_only_a_redelivery_of_a_message_handled_lately_is_dropped() -> None:
    now = [0.0]
    seen = Redeliveries(size=3, window=60.0, clock=lambda: now[0])
    assert not seen.again("t", b"unlock", 1, dup=False)
    assert seen.again("t", b"unlock", 1, dup=True)  # the broker's second delivery
    assert not seen.again("t", b"unlock", 1, dup=False)  # said again by someone: a new message
    assert not seen.again("other", b"unlock", 1, dup=True) and not seen.again("t", b"lock", 1, dup=True)
    assert not seen.again("t", b"x", 0, dup=True) and not seen.again("t", b"x", 0, dup=True)  # QoS 0: none
    now[0] = 61.0
    assert not seen.again("t", b"unlock", 1, dup=True)  # long ago: handled as new
    for n in range(4):
        seen.again("t", str(n).encode(), 1, dup=False)
    assert not seen.again("t", b"unlock", 1, dup=True)  # bounded: the oldest is forgotten


def test_the_link_hands_a_redelivered_command_to_nobody(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path).start()
    link = MqttLink(MqttSettings(host="127.0.0.1", port=broker.port, qos=1), "hearth-redelivery")
    got: list[bytes] = []
    try:
        link.subscribe("hearth/test/command", lambda topic, payload: got.append(payload))
        link.start()
        assert link.wait_connected(5)
        time.sleep(0.3)  # subscribed
        sender = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="ha-redelivery")
        sender.connect("127.0.0.1", broker.port)
        sender.loop_start()
        for _ in range(2):  # a person says it twice: both run
            sender.publish("hearth/test/command", "unlock the front door", qos=1).wait_for_publish(5)
        deadline = time.monotonic() + 5
        while len(got) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert got == [b"unlock the front door"] * 2
        # The broker's redelivery of the last one, as after a reconnection (DUP set): paho's own dispatch.
        again = paho.MQTTMessage(mid=7, topic=b"hearth/test/command")
        again.payload, again.qos, again.dup = b"unlock the front door", 1, True
        link._client._handle_on_message(again)
        assert got == [b"unlock the front door"] * 2
        sender.loop_stop()
        sender.disconnect()
    finally:
        link.close()
        broker.stop()
