"""The vocabulary: every word a stage needs, from one data file per language."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import intents.vocabulary as vocabularies
from intents.canonical import STEP_PHRASES
from intents.vocabulary import UnknownLanguage, Vocabulary, vocabulary
from intents.vocabulary.data import load

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
    # What the stages read by key: a new language's data file must provide the same keys.
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


FOLDER = Path(vocabularies.__file__).parent


@pytest.mark.fast
def test_every_language_is_data_read_by_language_neutral_code() -> None:
    assert sorted(p.name for p in FOLDER.glob("*.py")) == ["__init__.py", "amounts.py", "data.py", "readings.py"]
    assert {"en.yaml", "zh_cn.yaml", "de.yaml"} <= {p.name for p in FOLDER.glob("*.yaml")}


@pytest.mark.fast
@pytest.mark.parametrize("path", sorted(FOLDER.glob("*.yaml")), ids=lambda p: p.name)
def test_every_data_file_loads(path: Path) -> None:
    vocab = load(path)
    assert vocab.language.lower().replace("-", "_") == path.stem and vocabulary(vocab.language) is vocab
    assert vocab.words(vocab.replies["not_understood"])  # its tokenizer compiles and finds words


@pytest.mark.fast
def test_an_unknown_reading_source_is_a_clear_error() -> None:
    zh = vocabulary("zh-cn")
    with pytest.raises(UnknownLanguage, match="no reading source 'kana' for character_readings .*known: pinyin"):
        dataclasses.replace(zh, character_readings="kana")
    assert EN.character_readings == "" and EN.readings is None and EN.tones is None
    assert zh.character_readings == "pinyin" and callable(zh.readings) and callable(zh.tones)


@pytest.mark.fast
def test_chinese_readings_come_from_the_named_source() -> None:
    pytest.importorskip("pypinyin")
    zh = vocabulary("zh-cn")
    assert zh.readings("调") == {"diao", "tiao"} and zh.tones("调") == {"diào", "tiáo"}
    assert zh.readings("a") == frozenset()


@pytest.mark.fast
@pytest.mark.parametrize("text, words", [
    # As the Python module zh_cn.py split them before it became zh_cn.yaml.
    ("打开客厅的灯", ["打开", "客", "厅", "的", "灯"]),
    ("请帮我把客厅的灯打开一下", ["请", "帮我", "把", "客", "厅", "的", "灯", "打开", "一下"]),
    ("把温度设置为二十一度", ["把", "温", "度", "设", "置", "为", "二", "十", "一", "度"]),
    ("一个小时以后关掉风扇", ["一个", "小时", "以", "后", "关掉", "风扇"]),
    ("不要关闭开关", ["不要", "关闭", "开关"]),
    ("它们都要打开吗", ["它们", "都要", "打开", "吗"]),
    ("TV暂停一下", ["tv", "暂停", "一下"]),
    ("把卧室灯调到百分之五十", ["把", "卧", "室", "灯", "调", "到", "百分之", "五", "十"]),
])
def test_the_chinese_tokenizer_takes_the_vocabularys_own_words_first(text: str, words: list[str]) -> None:
    zh = vocabulary("zh-cn")
    assert zh.segment_by_vocabulary and zh.words(text) == words


@pytest.mark.fast
def test_segment_words_come_from_the_vocabulary() -> None:
    """Longest first; a number written with other numbers is read from them (二十一), one that is not
    (两个) is a word; nothing of one character; English is not segmented."""
    zh = vocabulary("zh-cn")
    lengths = [len(w) for w in zh.segment_words]
    assert lengths == sorted(lengths, reverse=True) and min(lengths) == 2
    assert {"两个", "一个", "开关", "百分之", "什么都看不到"} <= set(zh.segment_words)
    assert not {"二十一", "十一", "一百", "二十"} & set(zh.segment_words)
    assert not EN.segment_by_vocabulary and EN.words("turn on") == ["turn", "on"]
    plain = dataclasses.replace(zh, segment_by_vocabulary=False)
    assert plain.words("打开客厅的灯") == ["打", "开", "客", "厅", "的", "灯"]
    assert isinstance(plain, Vocabulary)
