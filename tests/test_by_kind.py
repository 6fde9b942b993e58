"""A command for a kind of device that names none ("next track", "set the volume to 60"): the home's one
device of the kind, or the question which (`app.core.by_kind`)."""

from __future__ import annotations

from typing import Any

import pytest

from app.config import Settings
from app.core.assistant import Assistant
from app.core.failure import Failure
from devices.registry import parse_fixture

pytestmark = pytest.mark.fast

ROOMS = [{"name": name, "id": name.lower().replace(" ", "_")} for name in ("Office", "Lounge", "Kitchen")]
LAMP = {"name": "Desk Lamp", "id": "light.desk_lamp", "area": "office", "state": "off"}
TV = {"name": "TV", "id": "media_player.tv", "area": "lounge", "state": "playing"}
RECORDS = {"name": "Record Player", "id": "media_player.record_player", "area": "office", "state": "playing"}
ROOMBA = {"name": "Roomba", "id": "vacuum.roomba", "area": "kitchen", "state": "docked"}


def _hearth(*entities: dict[str, Any]) -> Assistant:
    home = parse_fixture({"areas": ROOMS, "entities": [LAMP, *entities]}, "test home")
    return Assistant(Settings(intents={"stage": "templates"}), home)


def _done(outcome: Any) -> tuple[Any, ...]:
    return outcome.decision.intent, outcome.decision.targets, outcome.decision.data


@pytest.mark.parametrize(("said", "intent", "data"), [
    ("skip to the next track", "HassMediaNext", {}),
    ("pause", "HassMediaPause", {}),
    ("set the volume to 60", "HassSetVolume", {"volume_level": 60}),
])
def test_the_homes_one_player_is_the_one_meant_wherever_it_is_said(said: str, intent: str, data: dict) -> None:
    hearth = _hearth(TV)
    for site_area in (None, "Kitchen", "Lounge"):  # typed; a room without a player; the player's room
        hearth.settings = Settings(intents={"stage": "templates"}, area=site_area)
        assert _done(hearth.handle(said, dry_run=True)) == (intent, ("media_player.tv",), data), site_area


def test_two_players_are_asked_about_and_the_answer_picks() -> None:
    hearth = _hearth(TV, RECORDS)
    asked = hearth.handle("set the volume to 60", dry_run=True)
    assert asked.failure is Failure.NEEDS_CHOICE and not asked.messages
    assert asked.reply == "Which one: the TV or the Record Player?"
    picked = hearth.handle("the record player", dry_run=True)
    assert _done(picked) == ("HassSetVolume", ("media_player.record_player",), {"volume_level": 60})
    hearth.handle("next track", dry_run=True)
    both = hearth.handle("both of them", dry_run=True)
    assert (both.decision.intent, set(both.decision.targets)) == ("HassMediaNext", {"media_player.tv",
                                                                                    "media_player.record_player"})


def test_the_player_of_the_room_it_is_said_in_needs_no_question() -> None:
    hearth = _hearth(TV, RECORDS)
    hearth.settings = Settings(intents={"stage": "templates"}, area="Office")
    assert _done(hearth.handle("pause", dry_run=True)) == ("HassMediaPause", ("media_player.record_player",), {})


@pytest.mark.parametrize("said", [
    "next track in the kitchen",  # a room said that has no player is no other room's player
    "next track upstairs",
    "pause the jukebox",  # a device the home lacks is never another
    "don't pause",
    "is it paused",
])
def test_what_names_a_room_or_device_the_home_lacks_or_asks_for_nothing_does_nothing(said: str) -> None:
    outcome = _hearth(TV).handle(said, dry_run=True)
    assert not outcome.decision.acts and not outcome.messages and outcome.failure is not Failure.NEEDS_CHOICE, said


def test_a_light_command_without_a_light_in_the_room_is_no_other_rooms_light() -> None:
    # Lights are many and in every room: only the kinds a home has one or two of are found by kind.
    hearth = _hearth(TV)
    hearth.settings = Settings(intents={"stage": "templates"}, area="Kitchen")
    outcome = hearth.handle("turn on the lights", dry_run=True)
    assert not outcome.decision.acts and outcome.decision.targets == ()


SKYLIGHT = {"name": "Skylight", "id": "cover.skylight", "area": "office", "state": "closed",
            "attributes": {"device_class": "window"}}
VELUX = {"name": "Velux", "id": "cover.velux", "area": "lounge", "state": "closed",
         "attributes": {"device_class": "window"}}


def test_a_device_class_said_alone_is_the_homes_one_device_of_that_class() -> None:
    hearth = _hearth(SKYLIGHT)
    for said, intent in (("open the window", "HassTurnOn"), ("close the windows please", "HassTurnOff")):
        assert _done(hearth.handle(said, dry_run=True)) == (intent, ("cover.skylight",), {}), said
    for never in ("open the window in the kitchen", "open the garage door", "don't open the window"):
        outcome = hearth.handle(never, dry_run=True)
        assert not outcome.decision.acts and outcome.failure is not Failure.NEEDS_CHOICE, never


def test_two_devices_of_the_class_said_are_asked_about() -> None:
    hearth = _hearth(SKYLIGHT, VELUX)
    asked = hearth.handle("open the window", dry_run=True)
    assert asked.failure is Failure.NEEDS_CHOICE and asked.reply == "Which one: the Skylight or the Velux?"
    assert _done(hearth.handle("the velux", dry_run=True)) == ("HassTurnOn", ("cover.velux",), {})
