"""The LLM stage with the bundled model: accuracy floors, safety, fallback, and the templates untouched."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pytest
import yaml

from app.cli.main import main
from app.config import IntentSettings, LlmSettings, Settings
from app.core.assistant import Assistant
from devices.registry import build_home, load_fixture_file
from intents.canonical import answers, find_mentions
from intents.vocabulary import vocabulary
from tests.conftest import DEV_COMMANDS, FIXTURES, ROOT

EN = vocabulary("en")

UNSEEN = ROOT / "tests" / "data" / "unseen_commands.yaml"
UNSEEN_2 = ROOT / "tests" / "data" / "unseen_commands_2.yaml"


def _eval(tmp_path: Path, cases: Path) -> list[tuple[dict, dict]]:
    out = tmp_path / f"{cases.stem}.jsonl"
    assert main(["eval", "--home", str(FIXTURES), "--json", str(out), str(cases)]) == 0
    expected = yaml.safe_load(cases.read_text())["cases"]
    return list(zip(expected, (json.loads(line) for line in out.read_text().splitlines())))


def _score(pairs: list[tuple[dict, dict]]) -> tuple[int, int, int, int]:
    """(commands exactly right, commands, wrong actions, non-commands acted on)."""
    right = commands = wrong = acted_on_nothing = 0
    for case, got in pairs:
        if case["intent"] == "none":
            acted_on_nothing += got["acted"]
            continue
        commands += 1
        exact = (got["intent"] == case["intent"] and sorted(got["targets"]) == sorted(case.get("targets", []))
                 and all(str(got["data"].get(k)) == str(v) for k, v in (case.get("data") or {}).items()))
        right += exact
        wrong += got["acted"] and not exact
    return right, commands, wrong, acted_on_nothing


@pytest.mark.parametrize("cases, floor", [(DEV_COMMANDS, 30), (UNSEEN, 28), (UNSEEN_2, 18)])
def test_accuracy_floor_and_no_wrong_action(tmp_path: Path, cases: Path, floor: int) -> None:
    """Measured 2026-11-22 with SmolLM2-135M: dev 32/32, held-out 30/30 and 19/20; never a wrong action."""
    pairs = _eval(tmp_path, cases)
    right, commands, wrong, acted_on_nothing = _score(pairs)
    print(f"{cases.name}: {right}/{commands} exact, {wrong} wrong actions")
    assert right >= floor and wrong == 0 and acted_on_nothing == 0
    llm = [got for _, got in pairs if got["source"] == "llm"]
    assert llm and all(got["timings_ms"]["llm"] > 0 for got in llm)  # the stage ran and reports its time


def test_templates_answer_first_and_unchanged(tmp_path: Path) -> None:
    """Wherever the templates understand, the answer is theirs, exactly as with the LLM switched off."""
    home = build_home(load_fixture_file(FIXTURES))
    both = Assistant(Settings(), home)
    templates = Assistant(Settings(intents=IntentSettings(stage="templates")), home)
    texts = [c["text"] for c in yaml.safe_load(DEV_COMMANDS.read_text())["cases"]]
    for text in texts:
        alone = templates.understand(text).decision
        if alone.intent is not None:
            with_llm = both.understand(text).decision
            assert with_llm == alone and with_llm.recognition.source.value == "template", text
    assert templates.llm_stage() is None


def test_only_mentioned_devices_can_be_answered() -> None:
    home = build_home(load_fixture_file(FIXTURES))
    allowed = answers(find_mentions("kill the living room lamp", home, EN), home, None, "kill the living room lamp", EN)
    assert "turn off Living Room Lamp" in allowed and "none" in allowed
    assert not [a for a in allowed if "Garage" in a or "Kitchen" in a]  # nothing the user did not name
    assert answers(find_mentions("turn on the jacuzzi", home, EN), home, None, "turn on the jacuzzi", EN) == ["none"]


@pytest.mark.parametrize("text", ["don't turn off the living room lamp", "I love the kitchen lights",
                                  "is the garage light too bright", "what's the capital of Peru",
                                  "turn on the sprinklers", "never unlock the back door",
                                  "bedroom lamp up", "first floor light's up, lean"])  # misheard "off"
def test_never_an_action_for_non_commands(text: str) -> None:
    assistant = Assistant(Settings(), build_home(load_fixture_file(FIXTURES)))
    assert not assistant.understand(text).decision.acts


@pytest.mark.parametrize("content, reason", [(None, "not found"), (b"not a model at all", "not a GGUF"),
                                             (b"GGUF" + b"\x00" * 100, "corrupt")])
def test_missing_or_corrupt_model_falls_back_to_templates(tmp_path: Path, caplog, content, reason) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    assistant = Assistant(Settings(llm=LlmSettings(model=str(path))), build_home(load_fixture_file(FIXTURES)))
    with caplog.at_level(logging.ERROR):
        missed = assistant.understand("can you put the kitchen lights on for me").decision
        assert assistant.understand("turn on the kitchen lights").decision.acts  # templates still work
    assert not missed.acts and missed.recognition.source.value != "llm"
    errors = [r.getMessage() for r in caplog.records if "LLM stage off" in r.getMessage()]
    assert len(errors) == 1 and reason in errors[0]  # said once, with the reason


def test_cost_is_bounded_by_length_and_deadline() -> None:
    """Whatever is said, the LLM stage refuses rather than stalls (the time itself: `hearth bench`)."""
    home = build_home(load_fixture_file(FIXTURES))
    assistant = Assistant(Settings(), home)
    llm = assistant.llm_stage()
    every = "please set " + ", ".join(e.name for e in home.entities) + " to 20, 45, 70 and 90 percent"
    long = assistant.understand(every[:500])
    assert long.llm is not None and long.llm.refused.startswith("not read:") and long.llm.prompt_tokens == 0
    assert not long.decision.acts
    text = "could you kill the kitchen lights, it is late"
    late = llm.recognize(text, {}, deadline=0.0)  # as if the machine were too busy to answer in time
    assert late.refused == "not read: past the deadline" and late.recognition.intent is None
    after = llm.recognize(text, {}, deadline=math.inf)  # the KV cache is consistent after giving up:
    fresh = Assistant(Settings(), home).llm_stage().recognize(text, {}, deadline=math.inf)
    assert (after.answer, after.recognition) == (fresh.answer, fresh.recognition) and after.answer
