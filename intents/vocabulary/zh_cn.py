"""Simplified Chinese (zh-CN).

Chinese writes no spaces between words. The tokenizer takes the longest word
of this vocabulary at each place (``打开``, ``不要``, ``百分之``), and any
other Chinese character as a word of its own; a home's names are split the
same way, so a name and a sentence are compared character by character.
The plain commands are forms Home Assistant's zh-CN templates read, with
spaces between their parts (the templates ignore spaces between Chinese
characters).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

from intents.vocabulary import Vocabulary


def _phrases(text: str) -> frozenset[str]:
    """Phrases separated by spaces or commas."""
    return frozenset(p for p in re.split(r"[,\s]+", text) if p)


_DIRECTIONS = {
    "打开": "打开 开 开启 启动 点亮 亮起 拉开 升起 开开 打开来",
    "关闭": "关闭 关 关掉 关上 熄灭 灭 灭掉 拉上 合上 放下 停掉",
    "上锁": "锁 锁上 上锁 反锁 锁好 锁起来", "解锁": "解锁 开锁 打开",
    "暂停": "暂停 停一下 停一停", "继续": "继续 恢复 接着",
    "下一首": "下一首 下一曲 切歌 换一首 下一个 下一集", "上一首": "上一首 上一曲 上一个 上一台 上一集",
    "开始清洁": "清洁 打扫 扫地 吸尘 扫一扫 扫一下",
    "返回基站": "回去 返回 回基站 回充 充电", "激活": "激活 开启 切换到 启动 打开 开", "运行": "运行 执行 启动 打开 开",
}
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {k: v for k, v in _DIGITS.items() if v}
_NUMBERS = {
    **_DIGITS, "十": 10, "一百": 100, "百": 100,
    **{f"十{u}": 10 + v for u, v in _UNITS.items() if u != "两"},
    **{f"{t}十": 10 * tv for t, tv in _UNITS.items() if t not in ("一", "两")},
    **{f"{t}十{u}": 10 * tv + v for t, tv in _UNITS.items() if t not in ("一", "两")
       for u, v in _UNITS.items() if u != "两"},
}
# Words with a number's character that are no number ("开一下": "turn it on, please"); "一个" and
# "两个" count one and two before a unit ("两个小时").
_NOT_NUMBERS = ("一下", "一点", "一会", "一会儿", "一起", "一直", "一整晚", "一整天", "一片漆黑", "一首", "一曲", "一集")
_NUMBERS.update({"一个": 1, "两个": 2})
# Words that soften or pace a command ("请", "帮我", "一下").
_FILLERS = ("帮我", "麻烦", "麻烦你", "能不能", "可以", "起来", "现在", "到底", "声音", "马上", "赶紧")
_NEEDS = {
    **dict.fromkeys(_phrases("好暗 太暗 很暗 有点暗 黑漆漆 黑乎乎 黑黢黢 一片漆黑 看不见 看不清 什么都看不到"), ("打开", "light")),
    **dict.fromkeys(_phrases("好热 太热 很热 热死了 好闷 太闷 闷热"), ("打开", "fan")),
    **dict.fromkeys(_phrases("太晒 好晒 刺眼 阳光太强 太阳晒"), ("关闭", "cover")),
}
_TIME_UNITS = {"秒": "seconds", "秒钟": "seconds", "分钟": "minutes", "分": "minutes",
               "小时": "hours", "个小时": "hours", "钟头": "hours", "个钟头": "hours"}

_WORDS = dict(
    direction_words={verb: _phrases(said) for verb, said in _DIRECTIONS.items()},
    needs=_NEEDS,
    negations=_phrases("不要 别 不用 不必 无需 千万别 不准 甭"),
    question_openers=_phrases("是不是 是否 请问 为什么 怎么 谁 哪 哪个 哪些 几"),
    question_phrases=_phrases("吗 么 呢 没有 多少 几 什么 哪 是否 是不是 有没有 告诉我 查一下 看看 看一下 知道 "
                              "还是 对不对 好不好 开着 关着 锁着"),
    statement_cues=_phrases("昨天 前天 昨晚 刚才 刚 刚刚 以前 之前 上次 曾经 已经 一直 一整晚 一整天"),
    yes=_phrases("是 是的 好 好的 对 确定 可以 行 没问题 嗯 确认 对的"),
    no=_phrases("不 不要 不用 取消 算了 别 不是 不行"),
    stop_words=_phrases("停 停止 别说了 安静 闭嘴 取消 够了"),
    kind_of={"扫地机": "vacuum", "扫地机器人": "vacuum", "电视": "media_player", "风扇": "fan",
             "空调": "climate", "暖气": "climate", "温控器": "climate", "音量": "media_player",
             "声音": "media_player"},
    light_words=_phrases("灯 灯光 台灯 吊灯 电灯 灯泡"),
    fan_words=_phrases("风扇 电扇 吊扇"),
    cover_words=_phrases("窗帘 百叶窗 卷帘 遮阳帘"),
    percent_words=frozenset({"%", "百分之"}),
    fractions={"一半": 50, "四分之一": 25, "四分之三": 75},
    time_units=_TIME_UNITS,
    timer_words=_phrases("计时器 计时 倒计时 定时 定时器 闹钟 提醒我"),
    degree_words=_phrases("度 摄氏度 °"),
    volume_words=_phrases("音量 声音"),
    states={"light": ("开着", "关着"), "switch": ("开着", "关着"), "fan": ("开着", "关着"),
            "binary_sensor": ("开着", "关着"), "cover": ("开着", "关着"), "valve": ("开着", "关着"),
            "lock": ("锁着", "没锁")},
)


_PRONOUNS = frozenset({"它", "它们"})
_ALL = frozenset({"都", "全部", "所有", "两个都", "都要"})


def _lexicon() -> list[str]:
    """Every word of this vocabulary longer than one character, longest first (the tokenizer's)."""
    words = [*_DIRECTIONS, *chain.from_iterable(_WORDS["direction_words"].values())]
    for key in ("needs", "kind_of", "fractions", "time_units"):
        words += list(_WORDS[key])
    for key in ("negations", "question_openers", "question_phrases", "statement_cues", "yes", "no", "stop_words",
                "light_words", "fan_words", "cover_words", "percent_words", "timer_words", "degree_words"):
        words += list(_WORDS[key])
    words += [state for states in _WORDS["states"].values() for state in states] + ["开关", *_NOT_NUMBERS, *_FILLERS]
    words += [n for n in _NUMBERS if n.endswith("个")] + list(_PRONOUNS) + list(_ALL)
    return sorted({w for w in words if len(w) > 1}, key=len, reverse=True)


@lru_cache(maxsize=8192)  # a home's characters are read once, not again for every rebuilt view
def _tones(char: str) -> frozenset[str]:
    """Every pinyin reading of ``char``, with its tone ("调": diào, tiáo); none for a character pypinyin
    does not know. Imported when a repair first asks (a table of ~40,000 characters)."""
    try:
        from pypinyin.pinyin_dict import pinyin_dict
    except ImportError:  # installed with the multilingual extra; without it, nothing is repaired
        return frozenset()
    return frozenset(r for r in pinyin_dict.get(ord(char), "").split(",") if r)


@lru_cache(maxsize=8192)
def _readings(char: str) -> frozenset[str]:
    """Every pinyin reading of ``char``, without tones ("调": diao, tiao)."""
    return frozenset("".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c))
                     for r in _tones(char))


VOCABULARY = Vocabulary(
    language="zh-cn",
    # The vocabulary's words, then any single Chinese character, then runs of Latin letters and digits ("TV").
    word_pattern="|".join(map(re.escape, _lexicon())) + r"|[\u3400-\u9fff]|[a-z0-9']+",
    number_words=_NUMBERS,
    ordinals={},
    opposites=(("打开", "关闭"), ("开", "关"), ("上锁", "解锁"), ("暂停", "继续")),
    weak_cues=frozenset(),
    **_WORDS,
    # Misheard words are repaired by English sound; Chinese is repaired by characters read alike.
    repairs_by_sound=False,
    readings=_readings,
    tones=_tones,
    fillers=frozenset({*_NOT_NUMBERS, *_FILLERS, *_phrases("请 帮 你 能 啊 吧 呀 哦 呢 了 的 先 里 给")}),
    command_words=(),
    sound_alikes={},
    repair_phrases=(),
    short_words=frozenset(),
    article="",
    statement_openers=_phrases("我把 我们把"),  # "我把厨房灯关了": what I did, not "把厨房灯关了"
    kind_words={"light": "灯", "fan": "风扇", "cover": "窗帘", "media_player": "电视", "vacuum": "扫地机",
                "climate": "空调", "lock": "锁", "switch": "开关"},
    verbs={
        "light": ("打开", "关闭"), "switch": ("打开", "关闭"), "fan": ("打开", "关闭"), "input_boolean": ("打开", "关闭"),
        "media_player": ("打开", "关闭", "暂停", "继续", "下一首", "上一首"), "cover": ("打开", "关闭"), "valve": ("打开", "关闭"),
        "lock": ("上锁", "解锁"), "scene": ("激活",), "script": ("运行",), "vacuum": ("开始清洁", "返回基站"),
    },
    verb_forms={"上锁": "{target} 上锁", "解锁": "把 {target} 解锁", "下一首": "{target} 下一首", "上一首": "{target} 上一首",
                "开始清洁": "{target} 开始清洁", "返回基站": "{target} 返回到基站"},
    # The plain commands the LLM stage answers with; the zh-CN templates read them back.
    phrases={
        "none": "none",
        # "kind" names the speaker's room: the zh-CN templates take no room from context.
        "in_area": "{area}的{kind}", "on_floor": "{floor}的{kind}", "kind": "{area}的{kind}",
        "on": "打开 {target}", "off": "关闭 {target}", "lock": "{target} 上锁", "unlock": "把 {target} 解锁",
        "open": "打开 {target}", "close": "关闭 {target}",
        "color": "把 {target} 设置为 {color}", "brightness": "把 {target} 的亮度设置为 {value}%",
        "position": "把 {target} 调到 {value}%", "temperature": "把 {target} 设置到 {value} 度",
        "area_temperature": "把 {area} 温度设置为 {value} 度", "here_temperature": "把温度设置为 {value} 度",
        "is_state": "{target} {state}吗", "area_state": "{area} 有没有 {kind} {state}",
        "state_of": "{target} 的状态",
        "HassMediaPause": "暂停 {target}", "HassMediaUnpause": "继续 {target}",
        "HassMediaNext": "{target} 下一首", "HassMediaPrevious": "{target} 上一首",
        "HassVacuumStart": "{target} 开始清洁",
        "HassVacuumReturnToBase": "{target} 返回到基站", "volume": "把 {target} 的音量设置为 {value}%",
        "timer": "计时 {value} {unit}",
    },
    color_words={"white": "白色", "black": "黑色", "red": "红色", "orange": "橙色", "yellow": "黄色",
                 "green": "绿色", "blue": "蓝色", "purple": "紫色", "pink": "粉色", "brown": "棕色"},
    # A verb, 不 or 没, the verb again ("锁没锁", "打开没打开"): a question without a question word.
    question_patterns=(r"([\u3400-\u9fff]{1,2})[不没]\1",),
    question_endings=_phrases("吗 呢"),
    dropped_negations=("别", "不要"),
    unit_names={"seconds": "秒", "minutes": "分钟", "hours": "小时"},
    # No commands: primed with commands, Whisper base wrote them for Mandarin it could not make out
    # ("打开客厅的窗帘。" for "倒计时五分钟") and Hearth acted. Names and a sentence in simplified
    # characters only.
    prompt_commands={},
    prompt_preamble="以下是普通话的句子，使用简体中文。",
    part_names={"brightness": "亮度", "colour": "颜色", "mode": "模式", "position": "位置", "temperature": "温度",
                "volume": "音量", "volume level": "音量", "commands": "命令"},
    replies={
        "not_understood": "抱歉，我没听懂",
        "not_heard": "抱歉，我没听到",
        "not_delivered": "抱歉，我连不上你的设备",
        "queue_full": "抱歉，等待执行的命令太多了，请稍后再试",
        "too_late": "抱歉，这个命令等待太久，我没有执行",
        "not_confirmed": "我已发送，但设备没有确认：它可能稍后才执行",
        "no_broker": "我连不上你的设备：没有配置 MQTT 服务器",
        "failed": "抱歉，出错了",
        "hub_unreachable": "抱歉，我连不上主机",
        "busy": "抱歉，我正忙，请再说一遍",
        "declined": "好的，不做了",
        "done": "好了",
        "confirm": "要{verb}{names}吗？说“是”确认。",
        "heard_right": "您是说“{text}”吗？说“是”确认。",
        "meant": "您是想“{text}”吗？说“是”确认。",
        "and": "和",
        "timer_done": "{duration}的计时器时间到了",
        "named_timer_done": "{duration}的{name}计时器时间到了",
        "timer_too_long": "抱歉，计时器最长{hours}小时",
        "timer_too_short": "抱歉，计时器要多长时间？",
        "too_many_timers": "抱歉，计时器已经太多了",
        "not_delayed": "抱歉，这个操作要你当场确认，不能定时执行",
        "command_failed": "抱歉，没能执行：{command}",
        "custom_failed": "抱歉，这条命令的动作设置有误。",
        "no_weather": "抱歉，家里没有天气实体",
        "not_connected": "{name}没有连接到 MQTT",
        "unknown_color": "我不认识{color}这个颜色",
        "not_a_number": "{what}必须是数字，不能是{value}",
        "no_topic": "{name}没有用于{what}的 MQTT 主题",
        "template_failed": "设备的命令模板出错：{error}",
        "only_on": "{name}只能打开",
        "cannot_do": "{name}做不到这个",
        "out_of_range": "{name}的温度范围是{min}到{max}，不能设为{value}",
        "which": "哪一个：{names}？",
        "or": "还是",
        "list": "、",
        "undone": "好的，已经恢复了",
        "then": "{first}，{then}",
        "no_list_support": "抱歉，这台设备不保存清单",
        "not_on_list": "清单上没有{item}",
        "list_full": "抱歉，这个清单已经满了",
    },
    conjunctions=frozenset({"然后", "并且", "再"}),
    correction_cues=frozenset({"不对", "不是", "错了", "我是说", "我说的是", "不是这个"}),
    pronouns=_PRONOUNS,
    verb_markers=frozenset({"一下"}),
    all_words=_ALL,
    word_joiner="",
    # Names are read one character at a time here, so a part of a name fits far too much ("灯").
    partial_names=False,
    duration_units={"hours": "{n}小时", "minutes": "{n}分钟", "seconds": "{n}秒"},
    duration_joiner="",
    confirm_verbs={"lock": "打开", "alarm_control_panel": "撤防", "default": "打开"},
    llm_instruction=("Rewrite the user's Chinese words as one plain smart-home command, like the examples. "
                     "Answer none if the words are not a command or question for a device, "
                     "or ask not to do something."),
)
