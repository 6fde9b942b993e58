"""A broker's worth of discovery configs, as zigbee2mqtt, Tasmota and ESPHome publish them.

Each device comes with a sentence and the command Hearth must publish for it,
so a test can read every command off the broker.
"""

from __future__ import annotations

import json
from typing import Any

Z2M = "zigbee2mqtt"


def _z2m(name: str, **config: Any) -> dict[str, Any]:
    """zigbee2mqtt: full key names, one JSON state topic per device, name null = the device's name."""
    return {"name": None, "object_id": name.lower().replace(" ", "_"), "unique_id": f"z2m_{name.lower().replace(' ', '_')}",
            "origin": {"name": "Zigbee2MQTT", "sw": "2.1.0"}, "state_topic": f"{Z2M}/{name}",
            "device": {"identifiers": [f"zigbee2mqtt_{name}"], "name": name, "manufacturer": "IKEA"},
            "availability": [{"topic": f"{Z2M}/bridge/state", "value_template": "{{ value_json.state }}"}],
            **config}


def _tasmota(topic: str, name: str, relay: int, **config: Any) -> dict[str, Any]:
    """Tasmota (SetOption19): abbreviated keys and the ``~`` base topic."""
    return {"name": name, "~": f"{topic}/", "stat_t": "~tele/STATE", "avty_t": "~tele/LWT",
            "pl_avail": "Online", "pl_not_avail": "Offline", "uniq_id": f"{topic}_RL_{relay}",
            "dev": {"ids": [topic], "name": topic, "mdl": "Sonoff Basic", "sw": "13.2.0", "mf": "Tasmota"}, **config}


def _esphome(node: str, area: str, **config: Any) -> dict[str, Any]:
    """ESPHome: abbreviated keys, the device's suggested area."""
    return {"avty_t": f"{node}/status", "dev": {"ids": node, "name": node, "sw": "esphome v2025.2", "mdl": "esp32dev",
                                                "mf": "espressif", "sa": area}, **config}


#: (config topic, config, sentence, expected command topic, expected payload)
DEVICES: list[tuple[str, dict[str, Any], str, str, Any]] = [
    ("homeassistant/light/0x01/light/config",
     _z2m("Kitchen Lamp", schema="json", command_topic=f"{Z2M}/Kitchen Lamp/set", brightness=True,
          brightness_scale=254, supported_color_modes=["xy", "color_temp"]),
     "set the kitchen lamp to 50%", f"{Z2M}/Kitchen Lamp/set", {"state": "ON", "brightness": 127}),
    ("homeassistant/switch/0x02/switch/config",
     _z2m("Coffee Maker", command_topic=f"{Z2M}/Coffee Maker/set", payload_on="ON", payload_off="OFF",
          state_on="ON", state_off="OFF", value_template="{{ value_json.state }}"),
     "turn on the coffee maker", f"{Z2M}/Coffee Maker/set", "ON"),
    ("homeassistant/lock/0x03/lock/config",
     _z2m("Side Door Lock", command_topic=f"{Z2M}/Side Door Lock/set", payload_lock='{"state": "LOCK"}',
          payload_unlock='{"state": "UNLOCK"}', state_locked="LOCK", state_unlocked="UNLOCK",
          value_template="{{ value_json.state }}"),
     "lock the side door lock", f"{Z2M}/Side Door Lock/set", {"state": "LOCK"}),
    ("homeassistant/cover/0x04/cover/config",
     _z2m("Bedroom Blinds", device_class="blind", command_topic=f"{Z2M}/Bedroom Blinds/set",
          set_position_topic=f"{Z2M}/Bedroom Blinds/set", set_position_template='{ "position": {{ position }} }',
          position_topic=f"{Z2M}/Bedroom Blinds", position_template="{{ value_json.position }}",
          value_template="{{ value_json.state }}", state_open="OPEN", state_closed="CLOSE"),
     "set the bedroom blinds to 40%", f"{Z2M}/Bedroom Blinds/set", {"position": 40}),
    ("homeassistant/climate/0x05/climate/config",
     _z2m("Living Room Thermostat", temperature_command_topic=f"{Z2M}/Living Room Thermostat/set/current_heating_setpoint",
          current_temperature_topic=f"{Z2M}/Living Room Thermostat",
          current_temperature_template="{{ value_json.local_temperature }}",
          mode_command_topic=f"{Z2M}/Living Room Thermostat/set/system_mode",
          mode_state_topic=f"{Z2M}/Living Room Thermostat", mode_state_template="{{ value_json.system_mode }}",
          device={"identifiers": ["z2m_thermostat"], "name": "Living Room Thermostat", "suggested_area": "Living Room"}),
     "set the temperature in the living room to 21 degrees",
     f"{Z2M}/Living Room Thermostat/set/current_heating_setpoint", 21),
    ("homeassistant/sensor/0x06/temperature/config",
     {**_z2m("Bedroom Sensor", value_template="{{ value_json.temperature }}", device_class="temperature",
             unit_of_measurement="°C", object_id="bedroom_sensor_temperature"), "name": "Temperature"},
     None, None, None),
    ("homeassistant/sensor/0x06/humidity/config",
     {**_z2m("Bedroom Sensor", value_template="{{ value_json.humidity }}", device_class="humidity",
             unit_of_measurement="%", object_id="bedroom_sensor_humidity"), "name": "Humidity"},
     None, None, None),
    ("homeassistant/binary_sensor/0x07/occupancy/config",
     _z2m("Hallway Motion", device_class="occupancy", value_template="{{ value_json.occupancy }}",
          payload_on=True, payload_off=False),
     None, None, None),
    ("homeassistant/switch/tasmota_A1B2C3/RL_1/config",
     _tasmota("tasmota_A1B2C3", "Fish Tank", 1, cmd_t="~cmnd/POWER", val_tpl="{{value_json.POWER}}",
              pl_on="ON", pl_off="OFF"),
     "turn off the fish tank", "tasmota_A1B2C3/cmnd/POWER", "OFF"),
    ("homeassistant/light/tasmota_D4E5F6/LI_1/config",
     _tasmota("tasmota_D4E5F6", "Porch Light", 1, cmd_t="~cmnd/POWER", stat_val_tpl="{{value_json.POWER}}",
              bri_cmd_t="~cmnd/Dimmer", bri_scl=100, bri_stat_t="~tele/STATE", bri_val_tpl="{{value_json.Dimmer}}",
              pl_on="ON", pl_off="OFF"),
     "set the porch light brightness to 30%", "tasmota_D4E5F6/cmnd/Dimmer", "30"),
    ("homeassistant/switch/tasmota_778899/RL_1/config",
     _tasmota("tasmota_778899", "Garden Pump", 1, cmd_t="~cmnd/POWER", val_tpl="{{value_json.POWER}}",
              pl_on="ON", pl_off="OFF"),
     "turn on the garden pump", "tasmota_778899/cmnd/POWER", "ON"),
    ("homeassistant/fan/tasmota_AABBCC/FN_1/config",
     _tasmota("tasmota_AABBCC", "Ceiling Fan", 1, cmd_t="~cmnd/POWER2", val_tpl="{{value_json.POWER2}}",
              pl_on="ON", pl_off="OFF"),
     "turn on the ceiling fan", "tasmota_AABBCC/cmnd/POWER2", "ON"),
    ("homeassistant/switch/tasmota_DDEEFF/RL_2/config",
     _tasmota("tasmota_DDEEFF", "Electric Blanket", 2, cmd_t="~cmnd/POWER2", val_tpl="{{value_json.POWER2}}",
              pl_on="1", pl_off="0"),
     "turn on the electric blanket", "tasmota_DDEEFF/cmnd/POWER2", "1"),
    ("homeassistant/light/office/desk_lamp/config",
     _esphome("office", "Office", name="Desk Lamp", schema="json", stat_t="office/light/desk_lamp/state",
              cmd_t="office/light/desk_lamp/command", brightness=True, sup_clrm=["rgb"], uniq_id="office_desk_lamp"),
     "turn the desk lamp blue", "office/light/desk_lamp/command", {"state": "ON", "color": {"r": 0, "g": 0, "b": 255}}),
    ("homeassistant/switch/office/printer/config",
     _esphome("office", "Office", name="Printer", stat_t="office/switch/printer/state",
              cmd_t="office/switch/printer/command", uniq_id="office_printer"),
     "turn off the printer", "office/switch/printer/command", "OFF"),
    ("homeassistant/sensor/office/office_temperature/config",
     _esphome("office", "Office", name="Office Temperature", stat_t="office/sensor/office_temperature/state",
              unit_of_meas="°C", dev_cla="temperature", uniq_id="office_temperature"),
     None, None, None),
    ("homeassistant/binary_sensor/backdoor/back_door/config",
     _esphome("backdoor", "Kitchen", name="Back Door", stat_t="backdoor/binary_sensor/back_door/state",
              dev_cla="door", uniq_id="backdoor_contact"),
     None, None, None),
    ("homeassistant/cover/garage/garage_door/config",
     _esphome("garage", "Garage", name="Garage Door", dev_cla="garage", stat_t="garage/cover/garage_door/state",
              cmd_t="garage/cover/garage_door/command", uniq_id="garage_door"),
     "close the garage door", "garage/cover/garage_door/command", "CLOSE"),
    ("homeassistant/valve/garden/garden_valve/config",
     _esphome("garden", "Garden", name="Garden Valve", cmd_t="garden/valve/garden_valve/command",
              stat_t="garden/valve/garden_valve/state", uniq_id="garden_valve"),
     "close the garden valve", "garden/valve/garden_valve/command", "CLOSE"),
    ("homeassistant/scene/home/movie_time/config",
     {"name": "Movie Time", "cmd_t": "home/scene/movie_time/set", "pl_on": "ACTIVATE", "uniq_id": "movie_time"},
     "activate movie time", "home/scene/movie_time/set", "ACTIVATE"),
    ("homeassistant/vacuum/valetudo_robot/vacuum/config",
     {"name": None, "obj_id": "robot_vacuum", "uniq_id": "valetudo_robot_vacuum",
      "cmd_t": "valetudo/robot/BasicControlCapability/operation/set", "pl_strt": "START", "pl_ret": "HOME",
      "dev": {"ids": ["valetudo_robot"], "name": "Robot Vacuum", "mf": "Dreame"}},
     "start the robot vacuum", "valetudo/robot/BasicControlCapability/operation/set", "START"),
    ("homeassistant/device/hallway_panel/config",
     {"dev": {"ids": "hallway_panel", "name": "Hallway", "sa": "Hallway"}, "o": {"name": "bla2mqtt"},
      "~": "hallway_panel/", "avty_t": "~availability",
      "cmps": {"light": {"p": "light", "name": "Light", "cmd_t": "~light/set", "stat_t": "~light/state",
                         "uniq_id": "hallway_panel_light"},
               "fan": {"p": "fan", "name": "Fan", "cmd_t": "~fan/set", "stat_t": "~fan/state", "pl_on": "on",
                       "pl_off": "off", "uniq_id": "hallway_panel_fan"},
               "buzzer": {"p": "siren", "name": "Buzzer", "cmd_t": "~buzzer/set"}}},
     "turn on the hallway light", "hallway_panel/light/set", "ON"),
]

#: Commands for the other components of device-based configs.
MORE_COMMANDS: list[tuple[str, str, Any]] = [
    ("turn on the hallway fan", "hallway_panel/fan/set", "on"),
    ("unlock the side door lock", f"{Z2M}/Side Door Lock/set", {"state": "UNLOCK"}),
    ("turn off the kitchen lamp", f"{Z2M}/Kitchen Lamp/set", {"state": "OFF"}),
]


def retained_configs() -> list[tuple[str, bytes]]:
    """(topic, payload) of every config, to publish retained."""
    return [(topic, json.dumps(config).encode()) for topic, config, *_ in DEVICES]


def commands() -> list[tuple[str, str, Any]]:
    """(sentence, command topic, payload) for every controllable device."""
    return [(sentence, topic, payload) for _, _, sentence, topic, payload in DEVICES if sentence] + MORE_COMMANDS
