"""Home Assistant's names that Hearth acts on, in one place: its intents by what they do, its
entity domains by what they take.

Every layer reads these sets from here (devices, understanding, the runtime), so that an intent or a
domain Hearth learns to handle is added once.
"""

from __future__ import annotations

#: Intents that change a device when they succeed.
ACTION_INTENTS = frozenset({
    "HassTurnOn", "HassTurnOff", "HassToggle", "HassLightSet", "HassSetPosition",
    "HassClimateSetTemperature", "HassMediaPause", "HassMediaUnpause", "HassMediaNext",
    "HassMediaPrevious", "HassSetVolume", "HassSetVolumeRelative", "HassVacuumStart", "HassVacuumReturnToBase",
})

#: Intents that ask about devices and are answered from state.
QUERY_INTENTS = frozenset({"HassGetState", "HassClimateGetTemperature"})

#: Intents that switch a device on or off (and open or close, lock or unlock what has no other verb).
SWITCHING = ("HassTurnOn", "HassTurnOff")

#: The timer intents Hearth runs itself, as Home Assistant does for its voice satellites.
TIMER_INTENTS = frozenset({
    "HassStartTimer", "HassCancelTimer", "HassCancelAllTimers", "HassIncreaseTimer", "HassDecreaseTimer",
    "HassPauseTimer", "HassUnpauseTimer", "HassTimerStatus",
})

#: The list intents Hearth keeps on the device (the shopping list and to-do lists).
LIST_INTENTS = frozenset({"HassShoppingListAddItem", "HassShoppingListCompleteItem", "HassListAddItem",
                          "HassListCompleteItem"})

#: Intents whose targets must be of one domain whatever was said.
INTENT_DOMAINS: dict[str, tuple[str, ...]] = {
    "HassLightSet": ("light",),
    "HassClimateSetTemperature": ("climate",),
    "HassClimateGetTemperature": ("climate",),
    "HassSetPosition": ("cover", "valve"),
    "HassMediaPause": ("media_player",),
    "HassMediaUnpause": ("media_player",),
    "HassMediaNext": ("media_player",),
    "HassMediaPrevious": ("media_player",),
    "HassSetVolume": ("media_player",),
    "HassSetVolumeRelative": ("media_player",),
    "HassVacuumStart": ("vacuum",),
    "HassVacuumReturnToBase": ("vacuum",),
}

#: Entity domains Hearth knows; only some of them take commands.
DOMAINS = (
    "light", "switch", "fan", "cover", "lock", "climate", "valve", "scene",
    "script", "vacuum", "media_player", "sensor", "binary_sensor", "person",
    "weather", "todo", "input_boolean", "button", "assist_satellite",
)

#: Domains that can be switched, opened, locked or started by voice.
CONTROLLABLE = frozenset({
    "light", "switch", "fan", "cover", "lock", "climate", "valve", "scene", "script",
    "vacuum", "media_player", "input_boolean", "button",
})

#: Domains whose state is on or off.
ON_OFF_DOMAINS = ("light", "switch", "fan", "binary_sensor", "input_boolean", "scene", "script")

#: Components of Home Assistant's MQTT discovery that Hearth can control or answer questions about.
MQTT_COMPONENTS = ("light", "switch", "fan", "cover", "lock", "climate", "valve", "scene",
                   "button", "vacuum", "sensor", "binary_sensor")

#: Domains a home usually has one or two of, commanded by their kind alone ("pause", "next track", "send
#: the vacuum home"): such a command that names no device means the home's one, or asks which.
COMMANDED_ALONE = frozenset({"media_player", "vacuum"})

#: Cover device classes that hang over a window: people call each by another's name ("close the curtains"
#: for the blinds), unlike a window, door, gate or garage door, which are other things.
WINDOW_COVERINGS = frozenset({"awning", "blind", "curtain", "shade", "shutter"})
