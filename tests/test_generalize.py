"""Kinds #34's generated phrasings showed (tests/data/phrasings): typed slips, a word said standing for two
of a name, the whole home, device-class words, weak cues, an address before a command, a command inside
other words, a vacuum turned on. Each is a mechanism, tested on words of its own."""

from __future__ import annotations

import pytest
from hassil import Intents

from devices.registry import parse_fixture
from intents.canonical import answers, find_mentions, mentioned
from intents.scope import home_words
from intents.templates import load_language
from intents.typos import mend, mended_word
from intents.vocabulary import vocabulary

pytestmark = pytest.mark.fast

EN = vocabulary("en")
KNOWN = frozenset({"please", "add", "to", "my", "shopping", "list", "start", "the", "vacuum", "lights", "house",
                   "brighten", "minute", "timer", "form", "from", "lamp", "lump"})


@pytest.mark.parametrize(("typed", "meant"), [
    ("pleease add eggs to my shopping list", "please add eggs to my shopping list"),  # a letter doubled
    ("satrt the vacuum", "start the vacuum"),  # two letters swapped
    ("Brgihten the lights", "brighten the lights"),
    ("a 5 minute timr", "a 5 minute timr"),  # four letters: nothing left out is guessed
    ("a 5 mnute timer", "a 5 minute timer"),  # five and more: a letter left out
])
def test_a_slip_of_the_keys_is_mended_to_the_one_known_word(typed: str, meant: str) -> None:
    assert mend(typed, KNOWN, EN.words) == meant


def test_real_words_and_ties_are_left_as_typed() -> None:
    letters = "abcdefghijklmnopqrstuvwxyz"
    assert mended_word("hose", KNOWN, letters) == "hose"  # not "house": too short to guess a letter
    assert mended_word("eggs", KNOWN, letters) == "eggs"
    # two known words one slip away: neither is chosen
    assert mended_word("plant", KNOWN | {"planet", "plants"}, letters) == "plant"
    assert mended_word("plant", KNOWN | {"planet"}, letters) == "planet"
    assert mend("turn on the lamp", KNOWN, EN.words) == "turn on the lamp"  # no known word a slip away: as typed


def test_each_word_of_a_name_needs_its_own_word_said() -> None:
    # "lights" is close in spelling to both "night" (as "nights") and "light": it names one of them.
    assert not mentioned("Night Light", EN.words("all lights off"), EN)
    assert mentioned("Night Light", EN.words("night lights off"), EN)
    assert mentioned("Night Light", EN.words("turn off the nightlight"), EN)  # run together still counts


HOME = parse_fixture({"areas": [{"name": "Den", "id": "den"}, {"name": "Attic", "id": "attic"}],
                   "entities": [{"name": "Night Light", "id": "light.night", "area": "den", "state": "off"},
                                {"name": "Chandelier", "id": "light.chandelier", "area": "attic", "state": "on"}]}, "test home")
WHOLE = home_words(Intents.from_dict(load_language("en")), EN.words)


def offered(text: str, area: str | None = None) -> list[str]:
    return answers(find_mentions(text, HOME, EN), HOME, area, text, EN, False, home_words=WHOLE)


def test_the_whole_home_in_the_templates_own_words() -> None:
    # Words of Home Assistant's whole-home sentences that no sentence naming a room says.
    assert {"house", "everywhere", "entire", "whole"} <= WHOLE and not {"the", "lights", "in", "all"} & WHOLE


@pytest.mark.parametrize("text", ["all lights off", "lights out in the house", "kill every light everywhere"])
def test_a_kind_asked_for_the_whole_home_may_be_all_of_it(text: str) -> None:
    assert "turn off all the lights" in offered(text)
    assert "turn off Night Light" not in offered(text)


@pytest.mark.parametrize("text", ["turn on the lights downstairs", "the lights are too bright", "lights on",
                                  "all the lights in the attic on"])
def test_no_whole_home_without_its_words_or_with_a_room(text: str) -> None:
    assert not any("all the" in answer for answer in offered(text)), offered(text)


def test_a_device_class_said_that_the_chosen_device_is_not_names_another() -> None:
    """A home whose only lock is the Shed Lock: "unlock the garage door" named a door it lacks, and the
    model's reading (the only lock, by the verb) unlocked the shed. Home Assistant's device-class words
    ("door", "gate", "window") are nouns of devices: one the chosen device is not is a device the home lacks."""
    from intents.canonical import name_not_in_home
    from intents.scope import class_nouns
    from intents.templates import TemplateRecognizer

    home = parse_fixture({"areas": [{"name": "Patio", "id": "patio"}],
                          "entities": [{"name": "Shed Lock", "id": "lock.shed", "area": "patio", "state": "locked"},
                                       {"name": "Roller Shade", "id": "cover.roller", "area": "patio", "state": "open",
                                        "attributes": {"device_class": "shade"}}]}, "test home")
    templates = TemplateRecognizer(home)
    nouns = class_nouns(templates.intents.slot_lists, EN.words)
    assert {"door", "gate", "window", "garage"} <= nouns
    known = frozenset(templates.template_texts())

    def missing(text: str, target: str) -> str | None:
        return name_not_in_home(text, (target,), home, EN, known, nouns)

    assert missing("unlock the garage door", "lock.shed") == "garage door"
    assert missing("lock the side gate please", "lock.shed") == "side gate"
    assert missing("lock up", "lock.shed") is None and missing("lock the shed", "lock.shed") is None
    assert missing("close the shades", "cover.roller") is None  # its class and kind
    assert missing("close the patio window", "cover.roller") == "patio window"


def test_a_room_said_by_name_is_no_device_class_word() -> None:
    """A room called Garage: "the lights in the garage" names the room, not a garage door."""
    from intents.canonical import name_not_in_home
    from intents.scope import class_nouns
    from intents.templates import TemplateRecognizer

    home = parse_fixture({"areas": [{"name": "Garage", "id": "garage"}],
                          "entities": [{"name": "Work Light", "id": "light.work", "area": "garage", "state": "off"}]},
                         "test home")
    templates = TemplateRecognizer(home)
    nouns = class_nouns(templates.intents.slot_lists, EN.words)
    known = frozenset(templates.template_texts())
    assert name_not_in_home("can you turn the lights on in the garage", ("light.work",), home, EN, known, nouns) is None
    assert name_not_in_home("open the garage door", ("light.work",), home, EN, known, nouns) == "garage door"


def test_a_light_asked_to_go_off_is_given_no_level() -> None:
    """The issue's "<lamp> one off" read "one" as 1% brightness."""
    assert not any("brightness" in answer for answer in offered("night light one off"))
    assert "set Night Light brightness to 30%" in offered("night light to 30")


@pytest.mark.parametrize(("text", "weak"), [("put the tv on standby", True),
                                            ("I love the music on the record player", True),
                                            ("turn on the tv", False), ("switch the tv on", False),
                                            ("it's too dark in here, lights on", False), ("what a lovely evening", False)])
def test_a_command_only_a_weak_cue_asks_for_is_asked_about(text: str, weak: bool) -> None:
    """Remarks the model read as commands by "on" alone ("music on the record player" turned it on): such a
    reading is asked about ("Did you mean ...?"), never carried out at once."""
    from intents.llm import weak_only

    assert weak_only(text, EN) is weak


def test_an_address_before_a_command_is_dropped_and_known_words_never_are() -> None:
    from intents.address import without_address

    known = {"turn", "off", "the", "lamp", "is", "on", "don't"}

    def droppable(word: str) -> bool:
        return word.strip(",").lower() not in known or word.strip(",").lower() == "ok"

    assert list(without_address("hey hearth, turn off the lamp", droppable)) == [
        "hearth, turn off the lamp", "turn off the lamp"]
    assert list(without_address("ok hearth is the lamp on", droppable))[-1] == "is the lamp on"
    assert list(without_address("don't turn off the lamp", droppable)) == []  # a negation is never cut
    assert list(without_address("turn off the lamp", droppable)) == []


def test_a_question_after_an_address_is_a_question() -> None:
    from app.config import Settings
    from app.core.assistant import Assistant

    home = parse_fixture({"areas": [{"name": "Den", "id": "den"}],
                          "entities": [{"name": "Night Light", "id": "light.night", "area": "den", "state": "off"}]},
                         "test home")
    assistant = Assistant(Settings(intents={"stage": "templates"}), home)
    for text in ("ok hearth, is the night light on", "ok hearth is the night light on"):
        understood = assistant.understand(text, {}, bounded=False)
        assert understood.decision.intent == "HassGetState" and not understood.decision.acts, text
    understood = assistant.understand("hey hearth, turn off the night light", {}, bounded=False)
    assert understood.decision.intent == "HassTurnOff" and understood.decision.targets == ("light.night",)


def test_a_command_said_inside_other_words_is_offered_as_said() -> None:
    """Shopping-list items are whatever was said: no plain command over the home can carry "rice", so the
    end of the sentence the templates read is offered to the model as the user said it."""
    from intents.llm import inner_command
    from intents.templates import TemplateRecognizer

    templates = TemplateRecognizer(HOME)
    assert inner_command("I need to add rice to my list", templates, {}, False) == ["add rice to my list"]
    assert inner_command("add rice to my list", templates, {}, False) == []  # read whole: nothing inside
    assert inner_command("my old friends used to say rice is nice", templates, {}, False) == []


def test_a_vacuum_turned_on_or_off_is_started_or_sent_home_in_its_own_intents() -> None:
    """Hearth sends a vacuum turned on "start" and turned off "return_to_base"; the decision says so with
    Home Assistant's vacuum intents (its HassTurnOn would call a turn_on most vacuums lack)."""
    from devices.decision import Recognition
    from devices.resolve import resolve
    from devices.state import StateStore

    home = parse_fixture({"areas": [{"name": "Den", "id": "den"}],
                          "entities": [{"name": "Rover", "id": "vacuum.rover", "area": "den", "state": "docked"},
                                       {"name": "Night Light", "id": "light.night", "area": "den", "state": "off"}]},
                         "test home")
    states = StateStore()
    assert resolve(Recognition("HassTurnOn", {"name": "Rover"}), home, states).intent == "HassVacuumStart"
    assert resolve(Recognition("HassTurnOff", {"name": "Rover"}), home, states).intent == "HassVacuumReturnToBase"
    assert resolve(Recognition("HassTurnOn", {"name": "Night Light"}), home, states).intent == "HassTurnOn"




def test_words_after_a_command_are_never_cut() -> None:
    """They may say how: "close the bedroom curtain halfway" offered "close the bedroom curtain" and the
    model closed it (tests/data natural sets, 2026-12-05)."""
    from intents.llm import inner_command
    from intents.templates import TemplateRecognizer

    templates = TemplateRecognizer(HOME)
    assert inner_command("turn off the night light halfway", templates, {}, False) == []
    assert inner_command("add eggs to the shopping list, cheers", templates, {}, False) == []


def test_a_step_word_that_says_how_a_light_is_asks_for_no_step() -> None:
    """"the night light in the study is dim" (a remark of the second sealed split) dimmed it."""
    from intents.steps import step_words

    steps = step_words(Intents.from_dict(load_language("en")), EN.words)

    def steps_offered(text: str) -> list[str]:
        found = answers(find_mentions(text, HOME, EN), HOME, None, text, EN, False, steps)
        return [a for a in found if a.startswith(("dim ", "brighten "))]

    assert steps_offered("the night light is dim") == [] and steps_offered("the night light is getting dim") == []
    assert steps_offered("dim the night light") == ["dim Night Light"]
    assert steps_offered("make the night light dimmer") == ["dim Night Light"]


def test_a_step_phrase_of_the_templates_said_whole_is_a_step() -> None:
    """"turn up the spotlights" was no step: "turn up" is a phrase of the step-up sentences, and only
    single words counted as cues. A phrase counts said whole, in the templates' own words per language."""
    from intents.steps import step_words

    steps = step_words(Intents.from_dict(load_language("en")), EN.words)
    assert ("turn", "up") in steps.phrases["brightness_step"]["up"]
    assert ("turn", "down") in steps.phrases["volume_step"]["down"]

    def steps_offered(text: str) -> list[str]:
        found = answers(find_mentions(text, HOME, EN), HOME, None, text, EN, False, steps)
        return [a for a in found if a.startswith(("dim ", "brighten "))]

    assert steps_offered("turn up the night light") == ["brighten Night Light"]
    assert steps_offered("turn down the night light") == ["dim Night Light"]
    assert steps_offered("the night light is less bright") == []  # a copula: how it is
    assert steps_offered("make the night light less dark") == []  # "less" alone is no step
    assert steps_offered("turn the night light up to the top") == []  # the words apart are no phrase


def test_a_name_said_in_part_with_its_verb_that_is_another_devices_name() -> None:
    """"lock the garage door" with the Shed Lock and the Garage Side Door: the verb "lock" is a word of the
    Shed Lock's name, and was taken as part of the name said; the name in part, with its head word, is the
    Garage Side Door's, neither a device the home lacks nor another of its kind."""
    from app.config import Settings
    from app.core.assistant import Assistant
    from app.core.unknown_names import says_another_of_its_kind

    home = parse_fixture({"areas": [{"name": "Porch", "id": "porch"}],
                          "entities": [{"name": "Shed Lock", "id": "lock.shed", "area": "porch", "state": "locked"},
                                       {"name": "Garage Side Door", "id": "lock.garage_side", "area": "porch",
                                        "state": "unlocked"}]}, "test home")
    hearth = Assistant(Settings(intents={"stage": "templates"}), home)
    for said in ("lock the garage door", "lock the side door"):
        assert hearth.understand(said).decision.targets == ("lock.garage_side",), said
    assert hearth.understand("unlock the shed").decision.targets == ("lock.shed",)
    assert hearth.handle("turn on the shed", dry_run=True).reply == "Sorry, I am not aware of any device called shed"
    garage = home.entity("lock.garage_side")
    assert says_another_of_its_kind("lock the cellar door", garage, EN)  # a qualifier not of the name
    assert not says_another_of_its_kind("lock the garage door", garage, EN)
    assert not says_another_of_its_kind("can you lock the door", garage, EN)


def test_a_sentence_opening_with_a_device_and_a_copula_describes_it() -> None:
    """"the robovac is really good at vacuuming" started it (a remark of the first sealed split): the
    word "vacuuming" asks for a start, but the sentence says how the device is."""
    from intents.llm import describes_a_device

    for remark in ("the night light is really good at lighting the stairs", "the chandelier is so pretty",
                   "the attic chandelier was on all night", "the lights are nice and warm"):
        assert describes_a_device(remark, HOME, EN), remark
    # A room is no device; a need said of a device is a request the vocabulary reads (as before).
    for request in ("the den is too dark", "it's too bright in the attic", "turn on the chandelier",
                    "chandelier on please", "is the chandelier on", "the chandelier is too bright",
                    "the night light is wasting power", "the chandelier is off again, turn it on"):
        assert not describes_a_device(request, HOME, EN), request


def test_a_name_made_of_words_of_the_devices_names_is_not_another_of_its_kind() -> None:
    """"coffee machine" for the Coffee Maker, also called the espresso machine, was "another machine"
    (its qualifier is not the alias's), so the home answered it had no coffee machine."""
    from app.core.unknown_names import another_of_its_kind
    from devices.registry import Entity

    maker = Entity("switch.coffee_maker", "Coffee Maker", aliases=("espresso machine",))
    assert not another_of_its_kind("coffee machine", maker, EN)
    assert another_of_its_kind("washing machine", maker, EN)  # a qualifier none of its names has
    assert another_of_its_kind("front door", Entity("lock.back", "Back Door"), EN)
