"""The answers the LLM stage may choose from: only what was said, and only questions for a question."""

from __future__ import annotations

import pytest

from devices.registry import build_home, load_fixture_file
from intents.canonical import answers, find_mentions, name_not_in_home, nearby_names
from intents.llm import not_for_the_model
from intents.vocabulary import vocabulary
from tests.conftest import FIXTURES

pytestmark = pytest.mark.fast

EN = vocabulary("en")
HOME = build_home(load_fixture_file(FIXTURES))


def offered(text: str, area: str | None = None) -> list[str]:
    return answers(find_mentions(text, HOME, EN), HOME, area, text, EN, EN.is_question(text))


def test_a_question_can_only_be_answered_with_questions() -> None:
    for text in ("tell me whether the garage light is on", "check if the side door is locked"):
        found = offered(text)
        assert len(found) > 1 and all(a == "none" or a.startswith("is ") for a in found), found
    # a kind of device in a room, in the form the templates read
    assert "are any lights on in the Kitchen" in offered("can you tell me if the kitchen lights are on")


def test_only_the_verbs_that_were_said() -> None:
    assert offered("douse the garage light") == ["none", "turn off Garage Light"]
    assert offered("bolt the back door") == ["none", "lock Back Door"]
    assert "turn on TV" not in offered("next song on the tv") and "next track on TV" in offered("next song on the tv")
    assert offered("the ceiling fan makes a weird noise") == ["none"]  # no verb: nothing to choose
    # a verb's word said inside a longer phrase of another verb is not said: "open the lock" unlocks
    assert offered("open the lock on the back door") == ["none", "unlock Back Door"]
    assert offered("the ceiling fan makes a weird noise when it's on") == ["none"]  # "on" is its state
    assert offered("shut off the main valve") == ["none", "turn off Main Valve"]
    assert offered("go back a track on the tv") == ["none", "previous track on TV"]
    assert offered("let's get party mode going") == ["none", "activate Party Mode"]
    # a device's name, and a word for its kind after it, are no verb: "lock" here names the lock
    assert offered("open up the front door lock") == ["none", "unlock Front Door"]
    assert offered("open the front door") == ["none", "unlock Front Door"]  # a lock opens by unlocking
    assert offered("open the bedroom curtain") == ["none", "open Bedroom Curtain"]
    assert offered("light up the play corner") == ["none", "turn on Play Corner"]  # "Light" is a sensor's name
    # the kind's word after a name is the verb where a clause mark or "it" says so
    assert offered("side door, lock it") == ["none", "lock Side Door"]
    assert offered("side door lock it") == ["none", "lock Side Door"]
    assert offered("freeze the tv a moment") == ["none", "pause TV"]


def test_please_is_a_verb_only_beside_nothing_but_targets() -> None:
    assert offered("kitchen cabinets please") == ["none", "turn on Kitchen cabinets"]
    # a word nobody can place may be a misheard direction ("off" heard as "I've")
    assert offered("kitchen cabinets I've please") == ["none"]


def test_indirect_requests_amounts_timers_and_volume() -> None:
    assert offered("it's pitch black in the garage") == ["none", "turn on the lights in the Garage"]
    assert "set Bedroom Curtain to 50%" in offered("open the bedroom curtain halfway")
    assert "open Bedroom Curtain" not in offered("open the bedroom curtain halfway")  # the amount must be used
    assert offered("set the bedroom curtain to 3 quarters open") == ["none", "set Bedroom Curtain to 75%"]
    assert offered("I need a 15 minute timer") == ["none", "set a timer for 15 minutes"]
    assert offered("turn off the kitchen lights in ten minutes") == ["none"]  # not "10%", and not now
    assert "set TV volume to 35%" in offered("tv volume 35 percent")
    assert not any("volume" in a for a in offered("skip to the next one on the tv"))  # "one" is no volume
    assert offered("skip this one on the tv") == ["none", "next track on TV"]  # "this one" counts nothing
    # a need of no kind is met on the device named
    assert offered("the garage light is wasting power") == ["none", "turn off Garage Light"]
    assert offered("the ceiling fan is wasting electricity") == ["none", "turn off Ceiling Fan"]
    # a cover an indirect request needs is named: the room has a shade, not "the curtains"
    assert offered("the sun is blinding me in the guest room") == ["none", "close the shades in the Guest Room"]
    # an indirect request names its own verb ("on", "please" are none), and "living" is no "lighting"
    assert offered("the glare on the tv is terrible, the living room curtains please") == \
        ["none", "close the curtains in the Living Room"]
    assert offered("it's way too bright in the kitchen") == ["none", "turn off the lights in the Kitchen"]
    assert offered("the sun is shining right in my eyes in the guest room") == \
        ["none", "close the shades in the Guest Room"]
    # a misspelt kind of cover is read as the word it stands for, which the templates read as a class
    assert offered("close the shaid in the guest room") == ["none", "close the shade in the Guest Room"]


def test_misspelt_split_and_joined_names_are_mentioned() -> None:
    assert find_mentions("turn on the living room lamb", HOME, EN).names == ("Living Room Lamp",)
    assert find_mentions("turn on the bed room lamp", HOME, EN).names == ("Bedroom Lamp",)
    assert find_mentions("lock the frontdoor", HOME, EN).names == ("Front Door",)
    assert find_mentions("lock the back dor", HOME, EN).names == ("Back Door",)
    assert find_mentions("close the shade lft", HOME, EN).names == ("Shade Left",)  # a vowel left out
    # a kind said ("light") rules out a device of another kind that shares a word with it
    assert "Ceiling Fan" not in find_mentions("turn on the pick and ceiling light", HOME, EN).names


@pytest.mark.parametrize("text", ["don't turn on the bedroom lamp", "I left the garage light on yesterday",
                                  "the back door was open all night", "never unlock the side door",
                                  "please leave the bedroom lamp alone", "there's no need to lock the back door",
                                  "I already close the bedroom curtain", "no, keep the back door locked",
                                  "the garage light has been on all day", "I might open the bedroom curtain later",
                                  "the side door should stay locked", "I turned off the kitchen switch an hour go",
                                  "we should probably lock the back door at some point",
                                  "my sister always turns off the play corner",
                                  "I left the kitchen switch on this morning",
                                  "the kitchen cabinets look nice in blue"])
def test_negations_and_statements_never_reach_the_model(text: str) -> None:
    assert not_for_the_model(text, EN)


def test_a_question_with_a_negation_word_is_read_as_a_question() -> None:
    # "leave" asks for no change in a command, but a question is only answered with questions
    assert not not_for_the_model("did I leave the garage light on", EN)
    assert offered("did I leave the garage light on") == ["none", "is Garage Light on", "is Garage Light off"]
    assert not_for_the_model("do not unlock the back door", EN)  # opens with a negation: no question


def test_a_question_asked_inside_a_sentence_is_a_question() -> None:
    assert EN.is_question("any idea if the garage light is still on")
    assert EN.is_question("I wonder whether the curtains are open")
    assert not EN.is_question("turn on the garage light")


def test_a_verb_the_templates_lack_for_a_kind_is_said_their_way() -> None:
    # Home Assistant's English templates turn no valve or script "on": it is opened, or run
    assert offered("turn the water on at the main valve") == ["none", "open Main Valve"]
    assert offered("switch on stealth mode") == ["none", "run Stealth Mode"]
    assert offered("turn on party mode") == ["none", "activate Party Mode"]
    assert offered("nobody needs the kitchen ceiling light right now") == ["none", "turn off Kitchen ceiling"]
    # a stop for a moment is a pause, where pausing was said too
    assert offered("stop the tv for a moment") == ["none", "pause TV"]
    assert offered("turn off the garage light for a minute") == ["none", "turn off Garage Light"]


def test_a_verb_alone_means_the_homes_only_device_that_takes_it() -> None:
    def nearby(text: str, area: str | None = None) -> tuple[str, ...]:
        return nearby_names(text, HOME, area, EN, anywhere=True)

    assert nearby("pause") == ("TV",) and nearby("start cleaning") == ("Rover",)
    assert nearby("skip this song", "Kitchen") == ("TV",)  # not in the speaker's room, but the only one
    assert nearby("stop") == ()  # "stop" also turns a light off: no device is meant by it
    assert nearby("hold off on opening the curtains") == ()  # another kind is named
    assert nearby_names("pause", HOME, None, EN) == ()  # where the utterance names a device itself
    assert EN.only_directions("pause") and EN.only_directions("next please")
    assert not EN.only_directions("pause the tv")


def test_a_number_alone_is_no_temperature() -> None:
    """A number says how much, not what (#33: a bare "5" over Wyoming set the thermostat to 5 degrees): in
    a room with a thermostat, a temperature is offered only where the words ask for one."""
    for text in ("5", "twenty one", "it's 5", "5 please"):
        assert offered(text, "Living Room") == ["none"], text
    for text in ("21 degrees", "put the heating on 21", "the temperature to 21"):
        assert any("degrees" in a for a in offered(text, "Living Room")), text


def test_a_name_the_home_lacks_is_not_taken_for_the_device_of_its_kind() -> None:
    """In a home whose only lock is the Back Door, "the front door" names no lock of the home (#29): the
    words that may name a missing device are found; the device's own words, its room's, the templates'
    and the vocabulary's are no such words."""
    from dataclasses import replace

    from intents.repair import template_words
    from intents.templates import TemplateRecognizer

    one_lock = replace(HOME, entities=tuple(e for e in HOME.entities if e.domain != "lock" or e.name == "Back Door"))
    known = frozenset(template_words(TemplateRecognizer(one_lock).template_texts(), EN))
    lock = ("lock.back_door",)
    assert name_not_in_home("lock the front door", lock, one_lock, EN, known) == "front door"
    assert name_not_in_home("unlock the cellar door please", lock, one_lock, EN, known) == "cellar door"
    assert name_not_in_home("lock the door", lock, one_lock, EN, known) is None
    assert name_not_in_home("could you lock the back door", lock, one_lock, EN, known) is None  # named
    assert name_not_in_home("lock up", lock, one_lock, EN, known) is None
