"""English."""

from __future__ import annotations

from intents.vocabulary import Vocabulary

# Phrases are separated by commas.
_DIRECTIONS = {
    "turn on": "on, activate, start, enable, fire up, power up, power on, switch on, going, spinning, light up, please,"
               " crank up, bring up",
    "turn off": "off, switch off, deactivate, disable, kill, shut off, shut down, stop, out, douse, cut, power down, turn of,"
                " get rid of",
    "open": "open, raise, up", "close": "close, shut, lower, down, draw, closed",
    "lock": "lock, secure, bolt, lock up, locked, latch",
    "unlock": "unlock, unbolt, unlatch, open the lock, open, let me in, unlocked",
    "pause": "pause, hold, stop, freeze", "resume": "resume, continue, unpause, carry on, keep playing",
    "next track on": "next, skip",
    "previous track on": "previous, go back, back a track, last track, last song, skip back, rewind",
    "start": "start, going, clean, cleaning, vacuum, vacuuming, kick off", "return": "return, dock, go home",
    "activate": "activate, start, on, put on, kick off, going", "run": "run, start, activate, on, kick off, going",
}
_PRONOUNS = frozenset({"it", "them"})
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_NUMBERS = {**_UNITS, **_TEENS, **_TENS, "hundred": 100, "a hundred": 100, "one hundred": 100,
            **{f"{ten} {unit}": tens + units for ten, tens in _TENS.items() for unit, units in _UNITS.items()}}

VOCABULARY = Vocabulary(
    language="en",
    word_pattern=r"[a-z0-9']+",
    number_words=_NUMBERS,
    ordinals={"1st": "first", "2nd": "second", "3rd": "third"},
    opposites=(("on", "off"), ("open", "close"), ("lock", "unlock"), ("activate", "deactivate"),
               ("start", "pause"), ("pause", "unpause"), ("resume", "pause"), ("up", "down"), ("raise", "lower"),
               ("increase", "decrease"), ("locked", "unlocked"), ("bolt", "unbolt"), ("latch", "unlatch")),
    direction_words={verb: frozenset(p.strip() for p in said.split(",")) for verb, said in _DIRECTIONS.items()},
    weak_cues=frozenset({"on", "please"}),
    bare_cues=frozenset({"please"}),
    copulas=frozenset({"is", "are", "was", "were", "it's", "they're"}),
    needs={
        **dict.fromkeys(("dark", "pitch black", "gloomy", "can't see", "cannot see", "barely see", "hardly see",
                         "too dim", "so dim", "it's dim", "need some light", "use some light", "more light",
                         "like a cave"),
                        ("turn on", "light")),
        **dict.fromkeys(("too bright", "so bright"), ("turn off", "light")),
        **dict.fromkeys(("stuffy", "too hot", "so hot", "really hot", "sweltering", "boiling", "sweating",
                         "roasting"),
                        ("turn on", "fan")),
        **dict.fromkeys(("wasting power", "wasting electricity", "wasting energy", "waste of power",
                         "waste of electricity", "nobody's using", "no one's using", "nobody needs",
                         "no one needs", "nobody is using", "no one is using"), ("turn off", "")),
        **dict.fromkeys(("glare", "blinding", "too much sun", "sun is too strong", "too sunny",
                         "in my eyes"),
                        ("close", "cover")),
    },
    # "leave", "keep the", "stay" and "no need" ask for nothing to change ("leave the lamp alone", "keep
    # the door locked", "it should stay locked", "no need to lock it"); "keep playing" is not one.
    negations=frozenset({"don't", "dont", "do not", "never", "not", "no need", "needn't", "leave", "keep the",
                         "keep it", "keep them", "stay", "stays", "remain"}),
    staying_verbs=frozenset({"leave", "keep"}),
    question_openers=frozenset("is are was were what whats how which does do did has have who why should where when"
                               .split()),
    question_phrases=frozenset({"tell me if", "tell me whether", "let me know if", "let me know whether", "check if",
                                "check whether", "know if", "know whether", "wonder if", "wonder whether", "see if",
                                "find out if", "idea if", "idea whether", "wondering if", "wondering whether"}),
    # "...if the garage light is still on": whether something is so, asked inside a sentence.
    question_patterns=(r"\b(if|whether)\b.*\b(is|are)\b",),
    # Reports, and plans for later: nothing to do now.
    statement_cues=frozenset({"yesterday", "ago", "earlier", "last night", "was", "were", "used to", "already",
                              "has been", "have been", "all day", "might", "maybe", "perhaps", "later", "turned",
                              "switched", "probably", "at some point", "we should", "eventually", "someday",
                              # habits and what someone else did: "my sister always turns it off"
                              "always", "usually", "often", "sometimes", "every night", "every morning",
                              "this morning", "turns", "opens", "closes", "i left", "we left", "you left",
                              "someone left", "somebody left",
                              # how something looks ("look" alone is "lock" misheard: "Back door looked")
                              *(f"{verb} {adjective}" for verb in ("look", "looks", "looked")
                                for adjective in ("nice", "good", "great", "lovely", "pretty", "better"))}),
    yes=frozenset({"yes", "yeah", "yep", "sure", "confirm", "confirmed", "do it", "go ahead", "ok", "okay",
                   "yes please", "please do", "affirmative", "correct"}),
    no=frozenset({"no", "nope", "cancel", "don't", "do not", "stop", "never mind", "nevermind", "abort"}),
    stop_words=frozenset({"stop", "cancel", "quiet", "enough", "silence", "shush", "hush"}),
    command_words=(
        "turn", "on", "off", "lock", "unlock", "open", "close", "set", "start", "pause", "resume", "in", "the",
        "light", "lights", "lamp", "fan", "fans", "tv", "door", "doors", "locked", "unlocked", "temperature",
        "temp", "thermostat", "curtain", "curtains", "blinds", "shade", "shades", "window", "windows",
        "brightness", "percent", "degrees", "timer", "minutes", "seconds", "hours", "volume", "vacuum",
        "garage", "valve", "floor", "room", "here", "to", "for", "activate", "deactivate",
    ),
    # Directions are here too: "off" is often heard as "up"; both are offered and the audio decides.
    sound_alikes={
        "and": ("in", "on"), "an": ("in", "on"), "hear": ("here",), "of": ("off",), "too": ("to",),
        "two": ("to",), "four": ("for", "floor"), "tree": ("three",), "won": ("one",), "ate": ("eight",),
        "up": ("off", "on"), "life": ("light", "lights"), "lives": ("lights",), "life's": ("lights",),
        "lies": ("lights",), "the": ("to",), "fill": ("full",), "feel": ("full",),
    },
    repair_phrases=("in here", "lights on", "lights off"),
    short_words=frozenset({"a", "i"}),
    article="the",
    kind_words={"light": "lights", "fan": "fans", "cover": "curtains", "media_player": "TV", "vacuum": "vacuum",
                "climate": "thermostat", "lock": "locks", "switch": "switches"},
    kind_of={"vacuum": "vacuum", "hoover": "vacuum", "tv": "media_player", "television": "media_player",
             "volume": "media_player",
             "fan": "fan", "thermostat": "climate", "heat": "climate", "heating": "climate"},
    light_words=frozenset({"light", "lights", "lamp", "lamps", "lighting"}),
    fan_words=frozenset({"fan", "fans"}),
    cover_words=frozenset({"curtain", "curtains", "blind", "blinds", "shade", "shades", "shutter", "shutters",
                           "cover", "covers"}),
    volume_words=frozenset({"volume", "loud", "louder", "quiet", "quieter", "sound"}),
    cover_classes={"curtain": "curtains", "shade": "shades", "blind": "blinds", "shutter": "shutters"},
    percent_words=frozenset({"percent", "per", "cent", "%"}),
    fractions={"half": 50, "halfway": 50, "half way": 50, "quarter": 25, "a quarter": 25, "three quarters": 75,
               "3 quarters": 75, "1 quarter": 25, "full": 100, "maximum": 100, "max": 100, "all the way up": 100},
    time_units={"second": "seconds", "seconds": "seconds", "sec": "seconds", "secs": "seconds",
                "minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes",
                "hour": "hours", "hours": "hours"},
    timer_words=frozenset({"timer", "countdown", "count down", "alarm", "remind me"}),
    degree_words=frozenset({"degrees", "degree", "°"}),
    verbs={
        "light": ("turn on", "turn off"), "switch": ("turn on", "turn off"), "fan": ("turn on", "turn off"),
        "input_boolean": ("turn on", "turn off"),
        "media_player": ("turn on", "turn off", "pause", "resume", "next track on", "previous track on"),
        "cover": ("open", "close"), "valve": ("open", "close", "turn on", "turn off"), "lock": ("lock", "unlock"),
        "scene": ("activate", "turn on"), "script": ("run", "turn on"), "vacuum": ("start", "return"),
    },
    # Home Assistant's English templates turn no valve or script on by those words.
    domain_verb_forms={"valve": {"turn on": "open {target}"}, "script": {"turn on": "run {target}"},
                       "scene": {"turn on": "activate {target}"}},
    states={"light": ("on", "off"), "switch": ("on", "off"), "fan": ("on", "off"), "binary_sensor": ("on", "off"),
            "cover": ("open", "closed"), "valve": ("open", "closed"), "lock": ("locked", "unlocked")},
    # The plain commands the LLM stage answers with; the templates read them back.
    phrases={
        "none": "none",
        "in_area": "the {kind} in the {area}", "on_floor": "the {kind} on the {floor}", "kind": "the {kind}",
        "on": "turn on {target}", "off": "turn off {target}", "lock": "lock {target}", "unlock": "unlock {target}",
        "open": "open {target}", "close": "close {target}",
        "color": "set {target} to {color}", "brightness": "set {target} brightness to {value}%",
        "position": "set {target} to {value}%", "temperature": "set {target} to {value} degrees",
        "area_temperature": "set the temperature in the {area} to {value} degrees",
        "here_temperature": "set the temperature to {value} degrees",
        "is_state": "is {target} {state}", "area_state": "are any {kind} {state} in the {area}",
        "state_of": "what is the state of {target}",
        "HassMediaPause": "pause {target}", "HassMediaUnpause": "resume {target}",
        "HassMediaNext": "next track on {target}", "HassMediaPrevious": "previous track on {target}",
        "HassVacuumStart": "start {target}",
        "HassVacuumReturnToBase": "return {target}", "volume": "set {target} volume to {value}%",
        "timer": "set a timer for {value} {unit}",
    },
    # Verbs whose opposite differs by a prefix ("pause"/"unpause") are left out: primed, a tiny
    # model drops the prefix it barely heard.
    prompt_commands={
        "light": "Turn on the lights in the {area}.",
        "fan": "Turn off the {area} fan.",
        "cover": "Open the {area} curtains.",
        "climate": "Set the {area} temperature to 20 degrees.",
        "media_player": "Set the volume of the TV in the {area} to 50%.",
        "lock": "Lock the {area} door.",
        "vacuum": "Start the vacuum.",
        "brightness": "Set the {area} brightness to 50%.",
    },
    replies={
        "not_understood": "Sorry, I didn't understand that",
        "not_heard": "Sorry, I didn't hear anything",
        "not_delivered": "Sorry, I couldn't reach your devices",
        "busy": "Sorry, I have too many commands waiting: try again in a moment",
        "too_late": "Sorry, that command waited too long, so I did not carry it out",
        "not_confirmed": "I sent it, but your devices did not confirm it: it may still happen",
        "no_broker": "I can't reach your devices: no MQTT broker is configured",
        "failed": "Sorry, something went wrong",
        "hub_unreachable": "Sorry, I can't reach the hub",
        "busy": "Sorry, I'm busy, please try again",
        "declined": "Okay, I won't",
        "done": "Done",
        "confirm": "Do you want me to {verb} the {names}? Say yes to confirm.",
        "heard_right": "Did you say \"{text}\"? Say yes to go ahead.",
        "and": " and the ",
        "timer_done": "Your {duration} timer is done",
        "named_timer_done": "Your {duration} {name} timer is done",
        "timer_too_long": "Sorry, a timer can be at most {hours} hours long",
        "timer_too_short": "Sorry, how long should the timer be?",
        "too_many_timers": "Sorry, there are too many timers already",
        "not_delayed": "Sorry, I only do that right away, when you can confirm it",
        "command_failed": "Sorry, I couldn't carry out: {command}",
        "no_weather": "Sorry, there is no weather entity in this home",
        "not_connected": "{name} is not connected to MQTT",
        "unknown_color": "I don't know the colour {color}",
        "not_a_number": "{what} must be a number, not {value}",
        "no_topic": "{name} has no MQTT topic for {what}",
        "template_failed": "the device's command template failed: {error}",
        "only_on": "{name} can only be turned on",
        "cannot_do": "{name} cannot do that",
        "which": "Which one: the {names}?",
        "or": " or the ",
        "list": ", the ",
        "undone": "Okay, I put it back",
    },
    correction_cues=frozenset({"no", "nope", "no no", "i meant", "i mean", "i said", "no i meant", "no i mean",
                               "no i said", "wrong", "that's wrong", "not that", "not that one", "actually"}),
    pronouns=_PRONOUNS,
    verb_markers=_PRONOUNS,  # "lock it": only a verb takes one
    prefix_sounds=frozenset({"and", "then", "an", "in", "un"}),
    # "(who) left the garage light on"; a habit: "I turn the kitchen lights off when I go out"
    vowels="aeiou",
    dropped_negations=("don't",),
    rules_out=dict.fromkeys(("for a moment", "for a sec", "for a second", "for a minute", "for a bit"), "turn off"),
    statement_openers=frozenset({"left", "i turn", "i switch", "we turn", "we switch"}),
    request_openers=frozenset({"do me a favour", "do me a favor"}),
    not_numbers=frozenset({"this one", "that one", "which one", "the one", "other one", "each one", "no one",
                           "one of", "one by one"}),
    plural_endings=("s",),
    all_words=frozenset({"both", "all", "all of them", "both of them", "each", "every one", "everything"}),
    duration_units={"hours": "{n} hour", "minutes": "{n} minute", "seconds": "{n} second"},
    confirm_verbs={"lock": "unlock", "alarm_control_panel": "disarm", "default": "open"},
    llm_instruction=("Rewrite the user's words as one plain smart-home command, like the examples. "
                     "Answer none if the words are not a command or question for a device, "
                     "or ask not to do something."),
)
