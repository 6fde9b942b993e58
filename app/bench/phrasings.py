"""People's phrasings, generated offline: homes drawn at random, commands paraphrased by a packaged model (#34).

Hand-written phrasings are tuned on as soon as they are scored. This bench makes sets nobody wrote: a
home is drawn from pools of rooms and devices (``phrasings_en.yaml``), plain commands are drawn over
it (on/off, rooms, the whole home, levels, steps, colours, covers, locks, climate, media, vacuum,
timers, lists), and Qwen2.5-Coder-1.5B (the largest packaged model) says each the way a person might,
in several ways; it also writes remarks that mention a device and ask nothing (they must not act). Some
get what people add: the assistant's name first, "please" or "thanks" last, a letter typed twice or
swapped. Each home is a fixture in Home Assistant's test format, each set a case file of `hearth eval`.

    python -m app.bench.phrasings generate --seed 1 --homes 3 --out /tmp/phrasings/dev
    python -m app.bench.phrasings score /tmp/phrasings/dev

A split made with one seed is development data once scored; a sealed split is made with another seed
before any change it is to judge and scored once.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

POOLS = Path(__file__).with_name("phrasings_en.yaml")
#: What people put around a command (the issue's kinds: a name first, politeness last).
OPENERS = ("hey hearth, ", "hearth ", "ok hearth ", "um, ", "so ")
CLOSERS = (" please", " thanks", " thank you", ", cheers", " for me")

SYSTEM = "You write test sentences for a home voice assistant. You answer with the sentences only, one per line."
#: Two worked examples (devices that no pool has), so that the model answers in kind: requests, same meaning.
EXAMPLES = (
    ("turn off the Hall Radiator", "could you switch the radiator in the hall off\nhall radiator off please\n"
     "I don't need the hall radiator on anymore, turn it off"),
    ("set the Porch Lantern to 30 percent brightness", "porch lantern at thirty percent\n"
     "can you put the porch lantern on 30%\nturn the lantern on the porch down to 30 percent"),
)
PROMPT = (
    'Request: "{plain}"\nWrite {k} ways a person at home might say this request out loud to the assistant, '
    "casually, in their own words. Each must ask for exactly the same thing (same action, same device, same "
    "room, same number); a shorter or everyday name for the device is fine."
)
REMARK_PROMPT = (
    "Write {k} things a person at home might say near the assistant that mention the {name} in the {area} "
    "but do not ask for anything to be done: a remark, a memory, a complaint about the past, a plan for later."
)
REQUEST_EXAMPLES = tuple((PROMPT.format(plain=plain, k=3), lines) for plain, lines in EXAMPLES)
REMARK_EXAMPLES = ((REMARK_PROMPT.format(name="Hall Radiator", area="Hall", k=2),
                    "the hall radiator has been making a clicking noise all week\n"
                    "we should get the radiator in the hall looked at before winter"),)


@dataclass
class Command:
    """A plain command over a home, and what doing it means (Home Assistant's intent and targets)."""

    kind: str
    text: str
    intent: str
    targets: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def make_home(rng: random.Random, pools: dict[str, Any]) -> dict[str, Any]:
    """A home in Home Assistant's fixture format: 4-6 rooms, a device or three of each kind in them."""
    areas = rng.sample(pools["areas"], rng.randint(4, 6))
    entities, names = [], set()
    for domain, choices in pools["devices"].items():
        count = 1 if domain in ("vacuum", "climate") else rng.randint(2, 4) if domain == "light" else rng.randint(1, 2)
        for _ in range(count):
            area = rng.choice(areas)
            pattern = rng.choice(choices)
            name = pattern.format(area=area)
            if name.lower() in names:
                continue
            names.add(name.lower())
            entity = {"name": name, "id": f"{domain}.{_slug(name)}", "area": _slug(area),
                      "state": {"lock": "locked", "cover": "closed", "media_player": "playing",
                                "vacuum": "docked", "climate": "heat"}.get(domain, "off")}
            kind = next((c for word, c in pools["cover_classes"].items() if word in pattern), None)
            if domain == "cover" and kind:
                entity["attributes"] = {"device_class": kind}
            if domain == "media_player":
                entity["attributes"] = {"volume_level": 0.3}
            if domain == "light":
                entity["attributes"] = {"brightness": 128, "supported_color_modes": ["hs"]}
                entity["state"] = rng.choice(("on", "off"))
            entities.append(entity)
    return {"language": "en", "areas": [{"name": a, "id": _slug(a)} for a in areas], "entities": entities}


def _area_name(home: dict[str, Any], area_id: str) -> str:
    return next(a["name"] for a in home["areas"] if a["id"] == area_id)


def _fill(shape: dict[str, Any], home: dict[str, Any], rng: random.Random, pools: dict[str, Any],
          kind: str) -> Command | None:
    entities = home["entities"]
    values: dict[str, Any] = {"n": rng.choice((10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90)),
                              "t": rng.randint(17, 24), "m": rng.choice((2, 5, 10, 15, 20, 30, 45)),
                              "color": rng.choice(pools["colors"]), "item": rng.choice(pools["items"])}
    targets: list[str] = []
    if "domains" in shape:
        choices = [e for e in entities if e["id"].split(".")[0] in shape["domains"]]
        if not choices:
            return None
        entity = rng.choice(choices)
        values.update(name=entity["name"], area=_area_name(home, entity["area"]))
        targets = [entity["id"]]
    elif shape.get("scope") == "area":
        lit = sorted({e["area"] for e in entities if e["id"].startswith("light.")})
        area = rng.choice(lit)
        values["area"] = _area_name(home, area)
        targets = [e["id"] for e in entities if e["id"].startswith("light.") and e["area"] == area]
    elif shape.get("scope") == "home":
        targets = [e["id"] for e in entities if e["id"].startswith("light.")]
    data = {}
    if "data" in shape:
        key = shape["data"]
        data[key] = {"temperature": values["t"], "minutes": values["m"], "color": values["color"]}.get(key, values["n"])
    return Command(kind, shape["text"].format(**values), shape["intent"], targets, data)


def commands(home: dict[str, Any], rng: random.Random, pools: dict[str, Any], count: int) -> list[Command]:
    """``count`` plain commands over the home, kinds drawn evenly."""
    shapes = [(kind, shape) for kind, listed in pools["plain"].items() for shape in listed]
    drawn: list[Command] = []
    while len(drawn) < count:
        kind, shape = rng.choice(shapes)
        command = _fill(shape, home, rng, pools, kind)
        if command is not None and all(c.text != command.text for c in drawn):
            drawn.append(command)
    return drawn


def _lines(text: str, k: int) -> list[str]:
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip().strip('"').strip()
        if 2 <= len(line.split()) <= 25 and not line.endswith(":") and line not in out:
            out.append(line)
    return out[:k]


def ask(llm: Any, prompt: str, k: int, seed: int, examples: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """The model's ``k`` lines for a prompt (sampled: a seed gives the same lines again)."""
    messages = [{"role": "system", "content": SYSTEM}]
    for asked, lines in examples:
        messages += [{"role": "user", "content": asked}, {"role": "assistant", "content": lines}]
    reply = llm.create_chat_completion(messages=messages + [{"role": "user", "content": prompt}], temperature=0.8,
                                       top_p=0.95, max_tokens=30 * k, seed=seed)
    return _lines(reply["choices"][0]["message"]["content"], k)


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < 0.5 else w[:j] + w[j] + w[j:]
    return " ".join(words)


def roughen(text: str, rng: random.Random) -> str:
    """What people add to a command now and then: the assistant's name, politeness, a slip of the keys."""
    if rng.random() < 0.15:
        text = rng.choice(OPENERS) + text[0].lower() + text[1:]
    if rng.random() < 0.12:
        text = text.rstrip(".!?") + rng.choice(CLOSERS)
    if rng.random() < 0.10:
        text = _typo(text, rng)
    return text


def cases(llm: Any, home: dict[str, Any], rng: random.Random, pools: dict[str, Any], count: int,
          remarks: int, per: int = 3) -> Iterator[dict[str, Any]]:
    """Case dicts of `hearth eval`: ``per`` paraphrases of each of ``count`` commands, then remarks."""
    for command in commands(home, rng, pools, count):
        asked = PROMPT.format(plain=command.text, k=per)
        for said in ask(llm, asked, per, rng.randrange(1 << 30), REQUEST_EXAMPLES):
            case = {"kind": command.kind, "text": roughen(said, rng), "plain": command.text,
                    "intent": command.intent}
            if command.targets:
                case["targets"] = list(command.targets)
            if command.data:
                case["data"] = command.data
            yield case
    devices = rng.sample(home["entities"], min(remarks, len(home["entities"])))
    for entity in devices:
        prompt = REMARK_PROMPT.format(name=entity["name"], area=_area_name(home, entity["area"]), k=2)
        for said in ask(llm, prompt, 2, rng.randrange(1 << 30), REMARK_EXAMPLES):
            yield {"kind": "remark", "text": said, "plain": f"(remark about {entity['name']})", "intent": "none"}


def generate(seed: int, homes: int, out: Path, count: int, remarks: int, model: str) -> None:
    from models.llm import load_llm, model_path

    pools = yaml.safe_load(POOLS.read_text())
    llm = load_llm(model_path(None, model), context=1024)
    out.mkdir(parents=True, exist_ok=True)
    for index in range(homes):
        rng = random.Random(seed * 1000 + index)
        home = make_home(rng, pools)
        (out / f"home_{index}.yaml").write_text(yaml.safe_dump(home, sort_keys=False, allow_unicode=True))
        made = list(cases(llm, home, rng, pools, count, remarks))
        header = f"# Generated by app/bench/phrasings.py, seed {seed}, home {index}, model {model}.\n"
        body = yaml.safe_dump({"language": "en", "cases": made}, sort_keys=False, allow_unicode=True, width=200)
        (out / f"cases_{index}.yaml").write_text(header + body)
        print(f"home {index}: {len(home['entities'])} devices, {len(made)} cases", file=sys.stderr)


def score(folder: Path, config: str | None = None, show: bool = True) -> Any:
    """Every case file of a split through `hearth eval` with its home: the :class:`Summary` (printed with
    every case not right, and totals by kind, where ``show``)."""
    from app.cli.evaluate import Summary, evaluate, load_cases
    from app.config import default_config_path, load_settings
    from app.core.assistant import Assistant, load_home

    settings = load_settings(Path(config) if config else default_config_path())
    total, times = Summary(), []
    for cases_file in sorted(folder.glob("cases_*.yaml")):
        home = load_home(settings, str(folder / cases_file.name.replace("cases_", "home_")))
        records = io.StringIO()
        loaded = load_cases(cases_file)
        assistant = Assistant(settings, home)
        assistant.llm_stage()  # loaded before the first case, whose time would otherwise count the load
        evaluate(assistant, loaded, records)
        for case, line in zip(loaded, records.getvalue().splitlines()):
            record = json.loads(line)
            times.append(record["timings_ms"]["nlu"])
            if not total.add(record, case.expected, case.kind) and show:
                print(f"{'WRONG' if record['acted'] else 'miss '} [{case.kind}] {case.text!r}: "
                      f"{record['intent']} {record['targets']} {record['data']}")
    if show:
        print(total.table())
        times.sort()
        print(f"understanding p50 / p95 / max: {times[len(times) // 2]:.0f} / {times[int(len(times) * 0.95)]:.0f} / "
              f"{times[-1]:.0f} ms")
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--seed", type=int, required=True)
    gen.add_argument("--homes", type=int, default=3)
    gen.add_argument("--commands", type=int, default=30, help="plain commands per home")
    gen.add_argument("--remarks", type=int, default=6, help="devices per home to make remarks about")
    gen.add_argument("--model", default="qwen1.5b")
    gen.add_argument("--out", type=Path, required=True)
    sc = sub.add_parser("score")
    sc.add_argument("folder", type=Path)
    sc.add_argument("--config")
    args = parser.parse_args(argv)
    if args.command == "generate":
        generate(args.seed, args.homes, args.out, args.commands, args.remarks, args.model)
    else:
        score(args.folder, args.config)


if __name__ == "__main__":
    main()
