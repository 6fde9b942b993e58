"""Target resolution from Home Assistant slots, and action data normalisation."""

from __future__ import annotations

import pytest

from devices.decision import Recognition, Source
from devices.registry import Home, load_fixture_file
from devices.resolve import normalize_data, resolve
from devices.state import EntityState, StateStore
from tests.conftest import FIXTURES

pytestmark = pytest.mark.fast

KITCHEN_LIGHTS = {"light.kitchen_countertop", "light.kitchen_ceiling", "light.kitchen_cabinets"}
FIRST_FLOOR_LIGHTS = KITCHEN_LIGHTS | {"light.living_room_lamp", "light.play_corner", "light.garage"}


@pytest.fixture(scope="module")
def home() -> Home:
    return load_fixture_file(FIXTURES)


def _states(home: Home) -> StateStore:
    return StateStore({k: EntityState(v) for k, v in home.initial_states.items()})


def _targets(home: Home, intent: str, context_area: str | None = None, **slots: object) -> set[str]:
    decision = resolve(Recognition(intent, dict(slots), source=Source.TEMPLATE, confidence=1), home, _states(home), context_area)
    assert decision.error is None, decision.error
    return set(decision.targets)


def test_by_name_and_alias(home: Home) -> None:
    assert _targets(home, "HassTurnOn", name="Bedroom Lamp") == {"light.bedroom_lamp"}
    assert _targets(home, "HassTurnOn", name="bedroom lamp") == {"light.bedroom_lamp"}


def test_by_area_and_domain(home: Home) -> None:
    assert _targets(home, "HassTurnOn", area="Kitchen", domain="light") == KITCHEN_LIGHTS


def test_by_floor(home: Home) -> None:
    assert _targets(home, "HassTurnOff", floor="First Floor", domain="light") == FIRST_FLOOR_LIGHTS


def test_name_all_means_every_matching_entity(home: Home) -> None:
    assert _targets(home, "HassTurnOn", name="all", area="Kitchen", domain="light") == KITCHEN_LIGHTS


def test_device_class(home: Home) -> None:
    assert _targets(home, "HassTurnOn", area="Living Room", domain="cover", device_class="curtain") == {
        "cover.curtain_left", "cover.curtain_right"}


def test_a_kind_said_without_a_room_is_the_whole_homes(home: Home) -> None:
    """#34: "turn off all the lights" (Home Assistant's templates give no area) acted on the speaker's
    room only. Sentences that mean the speaker's room get its area from the templates' context."""
    everywhere = _targets(home, "HassTurnOn", domain="light")
    assert everywhere >= FIRST_FLOOR_LIGHTS | {"light.bedroom_lamp"}
    assert _targets(home, "HassTurnOn", context_area="Garage", domain="light") == everywhere


def test_named_device_elsewhere_wins_over_context_area(home: Home) -> None:
    # hassil fills area from the speaker's room; the named lamp is in the bedroom.
    assert _targets(home, "HassTurnOn", context_area="Kitchen", name="Bedroom Lamp", area="Kitchen") == {"light.bedroom_lamp"}


def test_sensors_are_not_switched(home: Home) -> None:
    decision = resolve(Recognition("HassTurnOn", {"name": "Outside Temperature"}), home, _states(home))
    assert decision.error and not decision.acts


def test_question_splits_by_state(home: Home) -> None:
    states = _states(home)
    decision = resolve(Recognition("HassGetState", {"area": "Kitchen", "domain": "light", "state": "on"}), home, states)
    assert set(decision.targets) == KITCHEN_LIGHTS and set(decision.matched) == KITCHEN_LIGHTS
    states.set("light.kitchen_ceiling", EntityState("off"))
    decision = resolve(Recognition("HassGetState", {"area": "Kitchen", "domain": "light", "state": "on"}), home, states)
    assert set(decision.matched) == KITCHEN_LIGHTS - {"light.kitchen_ceiling"}
    assert not decision.acts


def test_unknown_area_and_missing_device_explain_themselves(home: Home) -> None:
    decision = resolve(Recognition("HassTurnOn", {"area": "Attic", "domain": "light"}), home, _states(home))
    assert decision.error == "I don't know an area called Attic" and not decision.acts
    decision = resolve(Recognition("HassTurnOn", {"area": "Kitchen", "domain": "fan"}), home, _states(home))
    assert decision.error == "No fan in the Kitchen" and decision.intent == "HassTurnOn" and not decision.acts


def test_nothing_recognised() -> None:
    decision = resolve(Recognition(None), Home(), StateStore())
    assert decision.intent is None and decision.error and not decision.acts


def test_data_normalisation() -> None:
    assert normalize_data({"brightness": 50.0, "color": "Red"}) == {"brightness": 50, "color": "red"}
    assert normalize_data({"temperature": 21.5}) == {"temperature": 21.5}
    assert normalize_data({"position": 140}) == {"position": 100}
    assert normalize_data({"minutes": 15.0}) == {"minutes": 15}


def test_a_name_shared_by_a_lock_and_a_light_means_what_the_words_were_for() -> None:
    """A discovered light named like a lock (#33: "Turned on None", a "turn off" that asked to unlock): the
    template's required kind picks the lock; words that fit both kinds are Home Assistant's duplicate-name
    answer, nothing done."""
    from devices.registry import build_home, parse_fixture
    from intents.templates import TemplateRecognizer

    home = build_home(parse_fixture({"areas": [{"id": "hall", "name": "Hall"}],
                       "entities": [{"id": "lock.front_door", "name": "Front Door", "area": "hall"},
                                    {"id": "light.front_door", "name": "Front Door", "area": "hall"}]}, "test"))
    recognizer, states = TemplateRecognizer(home), StateStore({})
    locking = resolve(recognizer.recognize("lock the front door"), home, states)
    assert locking.targets == ("lock.front_door",) and locking.error is None
    for text in ("turn on the front door", "turn off the front door"):
        shared = resolve(recognizer.recognize(text), home, states)
        assert not shared.acts and shared.reason == ("duplicate_entities", {"entity": "Front Door"}), text


def test_a_window_covering_called_by_another_kind_is_the_rooms_covering() -> None:
    from devices.registry import parse_fixture

    home = parse_fixture({"areas": [{"name": "Dining Room", "id": "dining"}, {"name": "Hall", "id": "hall"}],
                          "entities": [
                              {"name": "Dining Blinds", "id": "cover.blinds", "area": "dining", "state": "open",
                               "attributes": {"device_class": "blind"}},
                              {"name": "Hall Door", "id": "cover.hall_door", "area": "hall", "state": "closed",
                               "attributes": {"device_class": "door"}},
                              {"name": "Hall Shutter", "id": "cover.hall_shutter", "area": "hall", "state": "open",
                               "attributes": {"device_class": "shutter"}}]}, "test home")
    for kind in ("curtain", "shade", "shutter"):
        assert _targets(home, "HassTurnOff", area="Dining Room", domain="cover", device_class=kind) == {"cover.blinds"}
    # A class the room has is that class only; a window, door or gate is never a covering, nor the reverse;
    # with no room or floor said, nothing stands in for the class.
    assert _targets(home, "HassTurnOff", area="Hall", domain="cover", device_class="shutter") == {"cover.hall_shutter"}
    for slots in ({"area": "Dining Room", "device_class": "window"}, {"area": "Hall", "device_class": "gate"},
                  {"device_class": "curtain"}):
        decision = resolve(Recognition("HassTurnOff", {"domain": "cover", **slots}), home, _states(home))
        assert decision.targets == () and decision.error, slots
