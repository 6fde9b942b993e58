"""A second set of Chinese replies for the voice bench, kept apart from the one the voice is tuned on (#31).

``app.bench.voice_zh`` hears back the replies of Home Assistant's zh-CN conformance tests, whose
names (卧室, 左侧窗帘, 前门...) and numbers are few. This set fills the same zh-CN response
templates (and error responses) from the installed ``home_assistant_intents`` package with the demo
home's names, areas and floors (``app/cli/demo_home.zh-cn.yaml``), Home Assistant's own colour and
cover-class words, and other numbers, drawn with a fixed seed: about 40 sentences that the voice
was never tuned on. ``python -m app.bench.voice_zh --other`` measures it; ``python -m
app.bench.replies_zh`` prints it.
"""

from __future__ import annotations

import random
from datetime import date, time
from pathlib import Path
from typing import Any, Iterator

import yaml
from home_assistant_intents import get_intents
from jinja2.sandbox import SandboxedEnvironment

from intents.responses import ResponseState

HOME = Path(__file__).resolve().parents[1] / "cli" / "demo_home.zh-cn.yaml"
_SEED = 20261205


def _words(lists: dict[str, Any], name: str) -> list[str]:
    """The first alternative of each value of one of Home Assistant's lists: "(百叶窗|百叶帘)" -> 百叶窗."""
    return [str(v["in"]).strip("()[]").split("|")[0].rstrip(")") for v in lists[name]["values"]]


def _fills(home: dict[str, Any], lists: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, str, dict]]:
    """(intent, response key, render variables) for each reply, two or three of each template."""
    entities = [e for e in home["entities"]]
    areas = [a["name"] for a in home["areas"]]
    floors = [f["name"] for f in home["floors"]]
    names = [e["name"] for e in entities]
    colors, classes = _words(lists, "color"), _words(lists, "cover_classes")

    def state(entity: dict[str, Any], value: str) -> ResponseState:
        return ResponseState(entity["id"], entity["name"], value, {"current_temperature": rng.randint(12, 30)})

    for key in ("default", "lights_area", "fans_area", "cover_device_class", "lock"):
        for intent in ("HassTurnOn", "HassTurnOff"):
            yield intent, key, {"slots": {"name": rng.choice(names), "area": rng.choice(areas),
                                          "device_class": rng.choice(classes)}}
    for key in ("scene", "script"):
        yield "HassTurnOn", key, {"slots": {"name": rng.choice(["回家模式", "观影模式", "晚安", "起床"])}}
    for _ in range(2):
        yield "HassLightSet", "brightness", {"slots": {"name": rng.choice(names), "brightness": rng.randint(5, 95)}}
        yield "HassLightSet", "color_area", {"slots": {"area": rng.choice(areas), "color": rng.choice(colors)}}
        yield "HassClimateSetTemperature", "default", {"slots": {"temperature": rng.randint(16, 28)}}
        entity = rng.choice(entities)
        yield "HassClimateGetTemperature", "default", {"state": state(entity, "heat")}
        yield "HassGetState", "one_yesno", {"slots": {"name": entity["name"]}, "query": {"matched": []},
                                            "state": state(entity, rng.choice(["开着", "关着", "锁着"]))}
        picked = [state(e, "on") for e in rng.sample(entities, rng.randint(2, 3))]
        yield "HassGetState", "which", {"slots": {"state": "开着"}, "query": {"matched": picked}}
        yield "HassGetState", "all", {"query": {"unmatched": picked[:2]}}
        yield "HassGetState", "how_many", {"query": {"matched": picked}}
        yield "HassGetCurrentTime", "default", {"slots": {"time": time(rng.randint(0, 23), rng.randint(0, 59))}}
        yield "HassGetCurrentDate", "default", {"slots": {"date": date(rng.randint(2024, 2031), rng.randint(1, 12),
                                                                       rng.randint(1, 28))}}
    for key in ("no_area", "no_floor", "no_entity", "no_entity_in_area", "no_device_class_in_floor",
                "duplicate_entities_in_area", "timer_not_found"):
        yield "", key, {"area": rng.choice(areas), "floor": rng.choice(floors), "entity": rng.choice(names),
                        "device_class": rng.choice(classes)}


def other_replies() -> list[str]:
    """The second set: Home Assistant's zh-CN responses filled with the demo home (no Latin letters)."""
    data = get_intents("zh-CN")
    templates, errors = data["responses"]["intents"], data["responses"]["errors"]
    home = yaml.safe_load(HOME.read_text(encoding="utf-8"))
    env, found = SandboxedEnvironment(), {}
    for intent, key, variables in _fills(home, data["lists"], random.Random(_SEED)):
        template = templates[intent][key] if intent else errors[key]
        first = variables.get("state")
        variables.setdefault("state_attr", lambda _id, name: first.attributes.get(name) if first else None)
        text = " ".join(env.from_string(template).render(**variables).split())
        if text and not any("a" <= c.lower() <= "z" for c in text):
            found[text] = None
    return list(found)


if __name__ == "__main__":
    print("\n".join(other_replies()))
