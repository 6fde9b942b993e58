"""Warnings about ignored input are bounded (#33: a flood of 10,000 malformed messages wrote a line each)."""

from __future__ import annotations

import logging

import pytest

from devices.hushed import Hushed

pytestmark = pytest.mark.fast


def _hushed(caplog, now: list[float], scheduled: list) -> Hushed:
    caplog.set_level(logging.INFO, logger="hushed-test")
    return Hushed(logging.getLogger("hushed-test"), burst=3, period=10.0, clock=lambda: now[0],
                  schedule=lambda delay, action: scheduled.append((delay, action)))


def test_a_burst_is_said_then_counted_in_one_line(caplog) -> None:
    now, scheduled = [0.0], []
    hushed = _hushed(caplog, now, scheduled)
    for n in range(1000):
        now[0] = n * 0.001
        hushed.warning("Ignored state of %s on %s: %s", "light.garage", "demo/state", f"junk {n}")
    assert [r.getMessage() for r in caplog.records] == [
        f"Ignored state of light.garage on demo/state: junk {n}" for n in range(3)]
    assert len(scheduled) == 1 and scheduled[0][0] == pytest.approx(10.0 - 0.003)  # when the period that began at 0 ends
    scheduled[0][1]()  # the period ends with nothing more coming: the count is still said
    assert caplog.records[-1].getMessage() == "Ignored state of ...: 997 more in 10 s, not each logged"
    assert caplog.records[-1].levelno == logging.WARNING


def test_kinds_are_counted_apart_and_a_new_period_speaks_again(caplog) -> None:
    now, scheduled = [0.0], []
    hushed = _hushed(caplog, now, scheduled)
    for _ in range(5):
        hushed.warning("Ignored command on %s", "hearth/den/command")
        hushed.info("Not imported from %s: %s", "homeassistant/x/config", "no name")
    assert len(caplog.records) == 6  # three of each kind, at their own level
    assert sorted(r.levelno for r in caplog.records) == [logging.INFO] * 3 + [logging.WARNING] * 3
    now[0] = 12.0  # the next period: the held count of the last one first, then the new line
    hushed.warning("Ignored command on %s", "hearth/den/command")
    assert [r.getMessage() for r in caplog.records[-2:]] == [
        "Ignored command on ...: 2 more in 10 s, not each logged", "Ignored command on hearth/den/command"]
    for _, action in scheduled:  # the timers that fire late find nothing left to say for that kind
        action()
    assert caplog.records[-1].getMessage() == "Not imported from ...: 2 more in 10 s, not each logged"
