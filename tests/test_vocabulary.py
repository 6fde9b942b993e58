"""The vocabulary: every word a stage needs, from one module per language."""

from __future__ import annotations

import pytest

from intents.canonical import STEP_PHRASES
from intents.vocabulary import UnknownLanguage, vocabulary

pytestmark = pytest.mark.fast

EN = vocabulary("en")


def test_words_numbers_and_answers() -> None:
    assert EN.words("Turn ON the Kitchen-lights, please!") == ["turn", "on", "the", "kitchen", "lights", "please"]
    assert {25, 60} <= EN.numbers("set it to twenty five, no, sixty") and 7 in EN.numbers("7 percent")
    assert EN.answer("Yes, please.") is True and EN.answer("never mind") is False and EN.answer("lights") is None


@pytest.mark.parametrize("text", ["don't turn off the lamp", "do not open the garage", "never unlock the door",
                                  "I said not the lamp"])
def test_negations(text: str) -> None:
    assert EN.negated(text)


@pytest.mark.parametrize("text", ["turn off the lamp", "knot the rope", "nothing to see"])
def test_not_negations(text: str) -> None:
    assert not EN.negated(text)  # whole words only


def test_questions_statements_and_directions() -> None:
    assert EN.is_question("is the garage light on") and EN.is_question("what's the temperature")
    assert not EN.is_question("this is the lamp")
    assert EN.opposite["on"] == ("off",) and set(EN.opposite["pause"]) == {"start", "unpause", "resume"}
    assert "off" in EN.direction_words["turn off"] and "on" not in EN.direction_words["turn off"]


@pytest.mark.parametrize("language", ["en", "zh-cn"])
def test_every_stage_finds_its_words(language: str) -> None:
    # What the stages read by key: a new language's module must provide the same keys.
    vocab = vocabulary(language)
    # Relative steps and the whole home ("all") are offered only in a language whose phrases have them.
    optional = STEP_PHRASES | {"all"}
    assert set(vocab.phrases) - optional == set(EN.phrases) - optional and "all" in EN.phrases
    steps = STEP_PHRASES & set(vocab.phrases)  # relative steps: all of their phrases or none
    assert STEP_PHRASES <= set(EN.phrases) and steps in (STEP_PHRASES, frozenset())
    assert set(vocab.replies) == set(EN.replies) >= {"not_understood", "not_heard", "not_delivered", "no_broker",
                                                      "failed", "hub_unreachable", "declined", "done", "confirm",
                                                      "and"}
    assert "default" in vocab.confirm_verbs and set(vocab.kind_words) == set(EN.kind_words)
    assert set(vocab.verbs) == set(EN.verbs) and set(vocab.states) == set(EN.states)
    # Every verb a kind of device takes says which words ask for it, or takes none.
    assert all(verb in vocab.direction_words for verbs in vocab.verbs.values() for verb in verbs)


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(UnknownLanguage, match="no vocabulary for language 'xx'"):
        vocabulary("xx")
    with pytest.raises(UnknownLanguage):
        vocabulary("../en")


@pytest.mark.parametrize("text", ["tell me if the curtain is open", "check whether the door is locked",
                                  "I wonder if the fan is on", "who left the light on", "should I close it"])
def test_requests_that_are_questions(text: str) -> None:
    assert EN.is_question(text)


def test_a_request_that_opens_like_a_question_is_none() -> None:
    assert not EN.is_question("do me a favour and switch off the play corner")
    assert EN.is_question("do you know if the play corner is on")


def test_statements_report_rather_than_ask() -> None:
    assert EN.is_statement("I left the garage light on yesterday") and EN.is_statement("the door was open")
    assert not EN.is_statement("turn off the garage light")
    assert EN.is_statement("Left the garage light on.")  # "who" not heard: still no request
    assert not EN.is_statement("open the curtain on the left")
    assert EN.is_statement("I turn the kitchen lights off an hour go.")  # "ago" misheard: still a report
    assert not EN.is_statement("can I turn off the garage light")


def test_the_verbs_said_weak_cues_and_needs() -> None:
    assert EN.verbs_said("douse the garage light") == {"turn off"}
    assert EN.verbs_said("bolt the side door") == {"lock"}
    assert EN.verbs_said("next song on the tv") == {"next track on"}  # "on" is no verb here
    assert EN.verbs_said("put the tv on pause") == {"pause"}
    # "please" stands for "turn on" only where the caller found nothing but targets around it
    assert EN.verbs_said("garage light please", bare=True) == {"turn on"}
    assert EN.verbs_said("garage light please") == set()
    assert EN.verbs_said("the fan makes a noise when it's on") == set()  # a state, not a request
    assert EN.verbs_said("the glare on the tv", weak=False) == set()
    assert EN.verbs_said("go back a track on the tv") == {"previous track on"}
    assert EN.verbs_said("I bought a new lamp") == set()
    assert EN.needs_said("it's pitch black in the garage") == {("turn on", "light")}


def test_amounts_and_durations_in_words() -> None:
    assert EN.numbers("open it three quarters") == {75} and EN.numbers("halfway") == {50}
    assert EN.numbers("set it to seventy two") == {72} and EN.numbers("forty five minutes") == {45}
    assert EN.fraction_said("bedroom lamp at half") and not EN.fraction_said("bedroom lamp at 50")
    assert EN.durations("give me a 10 minute timer") == [(10, "minutes")]
    assert EN.durations("count down forty five seconds") == [(45, "seconds")]
    assert EN.timer_asked("set a timer") and not EN.timer_asked("turn on the lamp")
