"""Device registry: Home Assistant fixture files, config devices, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import parse_settings
from app.core.assistant import load_home
from devices.registry import RegistryError, build_home, load_fixture_file
from tests.conftest import FIXTURES

pytestmark = pytest.mark.fast


def test_reference_home_loads() -> None:
    home = load_fixture_file(FIXTURES)
    assert {f.name for f in home.floors} >= {"Upstairs", "First Floor", "Basement"}
    kitchen = home.find_area("Kitchen")
    assert kitchen is not None and kitchen.floor_id == "first_floor_id"
    lamp = home.entity("light.bedroom_lamp")
    assert lamp is not None and lamp.area_id == "bedroom_id" and lamp.domain == "light"
    assert home.entity("cover.curtain_left").device_class == "curtain"
    assert home.initial_states["switch.kitchen"] == "on"


def test_template_names_expand_to_aliases() -> None:
    home = load_fixture_file(FIXTURES)
    joes = next(e for e in home.entities if "Trader Joe" in e.name)
    assert set(joes.names) == {"Trader Joes", "Trader Joe's"}


def test_area_lookup_by_id_name_and_site_style_id() -> None:
    home = load_fixture_file(FIXTURES)
    assert home.find_area("living_room_id").name == "Living Room"
    assert home.find_area("living room").name == "Living Room"
    assert home.find_area("living_room").name == "Living Room"
    assert home.find_area("attic") is None


def test_config_devices_extend_and_override_the_home_file(tmp_path: Path) -> None:
    settings = parse_settings({
        "home_file": str(FIXTURES),
        "devices": [
            {"id": "light.garage", "name": "Garage Light", "aliases": ["shop light"], "area": "Garage",
             "mqtt": {"command_topic": "garage/light/set"}},
            {"id": "switch.kettle", "name": "Kettle", "area": "kitchen_id", "state": "off"},
        ],
    }, "test")
    home = load_home(settings)
    garage = home.entity("light.garage")
    assert garage.aliases == ("shop light",) and garage.mqtt.command_topic == "garage/light/set"
    assert home.entity("switch.kettle").area_id == "kitchen_id"
    assert len(home.entities) == len(load_fixture_file(FIXTURES).entities) + 1


def test_device_in_unknown_area_is_refused() -> None:
    settings = parse_settings({"devices": [{"id": "switch.kettle", "name": "Kettle", "area": "Attic"}]}, "test")
    with pytest.raises(RegistryError, match="switch.kettle: unknown area 'Attic'"):
        load_home(settings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just a string", "expected a mapping with floors, areas and entities"),
        ("entities: 3", "'entities' must be a list"),
        ("entities:\n  - {name: Lamp}", "entities[0]: missing or empty 'id'"),
        ("entities:\n  - {id: lamp, name: Lamp}", "entities[0]: id 'lamp' is not <domain>.<object_id>"),
        ("entities:\n  - {id: light.x, name: X, attributes: 5}", "entities[0]: 'attributes' must be a mapping"),
        ("areas:\n  - {id: a}", "areas[0]: missing or empty 'name'"),
        ("floors: [\n", "not valid YAML"),
    ],
)
def test_malformed_home_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "home.yaml"
    path.write_text(text)
    with pytest.raises(RegistryError) as err:
        load_fixture_file(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_missing_home_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="home file not found"):
        load_fixture_file(tmp_path / "none.yaml")


def test_topic_base_gives_conventional_topics() -> None:
    home = build_home(load_fixture_file(FIXTURES), topic_base="sim")
    lamp = home.entity("light.bedroom_lamp")
    assert lamp.mqtt.command_topic == "sim/light/bedroom_lamp/set"
    assert lamp.mqtt.state_topic == "sim/light/bedroom_lamp/state"
    assert lamp.mqtt.schema_ == "json"
    assert home.entity("switch.kitchen").mqtt.schema_ == "default"
