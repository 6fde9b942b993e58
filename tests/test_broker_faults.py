"""The broker hangs or dies around a command: what Hearth says failed never happens later (#33).

A real Mosquitto is paused (SIGSTOP: it takes bytes into its socket and answers nothing) or killed
and started again on the same port; a real subscriber stands in for the devices.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from app.config import MqttSettings, Settings
from app.core.assistant import Assistant
from app.core.failure import Failure
from devices.mqtt import MqttError, MqttLink
from devices.registry import build_home, load_fixture_file
from tests.conftest import FIXTURES, Mosquitto, Subscriber

HOME = build_home(load_fixture_file(FIXTURES), topic_base="home")


def _link(broker: Mosquitto, name: str) -> MqttLink:
    link = MqttLink(MqttSettings(host="127.0.0.1", port=broker.port, publish_timeout=1.0), name)
    link.start()
    deadline = time.monotonic() + 5
    while not link.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert link.connected
    return link


def test_a_confirmed_unlock_is_never_carried_out_after_the_broker_hung(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path).start()
    devices = Subscriber(broker.port, "home/#")
    link = _link(broker, "hearth-hung")
    assert broker.proc is not None
    try:
        assistant = Assistant(Settings(mqtt=link.settings), HOME, link)
        assert assistant.handle("unlock the front door").awaiting_confirmation
        broker.proc.send_signal(signal.SIGSTOP)
        try:
            done = assistant.handle("yes")
        finally:
            broker.proc.send_signal(signal.SIGCONT)
        assert done.failure is Failure.NOT_DELIVERED and not done.published
        assert done.reply == "Sorry, I couldn't reach your devices"
        # The broker is awake and the link still up: a command it had taken in would arrive now.
        assert devices.collect(1, timeout=3.0) == []
        later = assistant.handle("lock the front door")  # and the link works again
        assert later.published and devices.collect(1) == [("home/lock/front_door/set", "LOCK")]
    finally:
        link.close()
        devices.close()
        broker.stop()


def test_a_message_not_acknowledged_is_not_sent_again_after_a_reconnection(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path).start()
    link = _link(broker, "hearth-killed")
    assert broker.proc is not None
    try:
        broker.proc.send_signal(signal.SIGSTOP)
        try:
            link.publish("home/lock/front_door/set", "UNLOCK")
            raise AssertionError("a paused broker acknowledged a message")
        except MqttError as err:
            assert err.in_doubt  # written to the socket: it may have reached the broker
        broker.proc.kill()  # it never read it: a new broker on the same port knows nothing of it
        broker.proc.wait(5)
        broker = Mosquitto(tmp_path, port=broker.port).start()
        devices = Subscriber(broker.port, "home/#")
        deadline = time.monotonic() + 10
        while not link.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert link.connected, "the link did not reconnect"
        # paho re-sends every unacknowledged QoS 1 message on reconnection; a forgotten one must not be.
        assert devices.collect(1, timeout=2.0) == []
        link.publish("home/light/kitchen/set", "ON")
        assert devices.collect(1) == [("home/light/kitchen/set", "ON")]
        devices.close()
    finally:
        link.close()
        broker.stop()
