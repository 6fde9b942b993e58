"""Devices by meaning (#34): a sentence embedding finds the device a request means when its words name
none ("make me a coffee"); Hearth asks "did you mean ...?", acts only on a yes, and learns the words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from app.audio.inputs import to_float
from app.bench.clips import command_clip
from app.cli.main import main
from app.config import Settings
from app.core.assistant import Assistant, load_home
from app.core.failure import Failure
from devices.registry import build_home, load_fixture_file
from intents.meaning import MeaningIndex, describe
from intents.taught import TaughtPhrases, TeachError
from intents.vocabulary import vocabulary
from models.embedding import E5_SHA256, Embedder
from tests.conftest import ROOT

MEANING = ROOT / "tests" / "data" / "meaning"


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder().load()


def test_the_bundled_model_is_trusted_by_its_sha256_and_passages_are_embedded_once(embedder: Embedder) -> None:
    assert len(E5_SHA256) == 64
    first = embedder.passages(["Coffee Machine: switch, Kitchen", "Rover: vacuum, Living Room"])
    assert first.shape == (2, 384) and np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-3)
    known = len(embedder._passages)
    again = embedder.passages(["Rover: vacuum, Living Room"])
    assert len(embedder._passages) == known and np.array_equal(again[0], first[1])
    assert embedder.passages([]).shape == (0, 384)


def test_the_nearest_devices_are_the_ones_meant(embedder: Embedder) -> None:
    home = build_home(load_fixture_file(MEANING / "home_dev.yaml"), topic_base="home")
    index = MeaningIndex(home, vocabulary("en"), embedder)
    assert describe(home.entity("switch.coffee_machine"), "Coffee Machine", home) == "Coffee Machine: switch, Kitchen"
    assert index.nearest("make me a coffee", 1)[0].entity.id == "switch.coffee_machine"
    assert index.nearest("robot vacuum cleaner go", 1)[0].entity.id == "vacuum.rover"
    nearest = index.nearest("open the garage", 3)
    assert [n.entity.id for n in nearest][0] == "cover.garage_door" and len({n.entity.id for n in nearest}) == 3
    assert nearest[0].score >= nearest[1].score >= nearest[2].score
    # Each device's commands in the language's words, the nearest device's first.
    assert index.commands("make me a coffee", 1) == [["turn on Coffee Machine", "turn off Coffee Machine"]]


def _hearth(tmp_path: Path, **llm: object) -> Assistant:
    settings = Settings(home_file=str(MEANING / "home_dev.yaml"), topic_base="home", llm=llm,
                        intents={"stage": "both", "taught_file": str(tmp_path / "taught.yaml")})
    return Assistant(settings, load_home(settings))


def test_a_request_by_purpose_is_asked_about_done_on_a_yes_and_learnt(tmp_path: Path) -> None:
    hearth = _hearth(tmp_path)
    asked = hearth.handle("make me a coffee", dry_run=True)
    assert asked.failure is Failure.NEEDS_CONFIRMATION and not asked.messages
    assert asked.reply == 'Did you mean "turn on Coffee Machine"? Say yes to go ahead.'
    done = hearth.handle("yes", dry_run=True)
    assert done.failure is None and done.decision.action == ("HassTurnOn", ("switch.coffee_machine",), ())
    assert TaughtPhrases(tmp_path / "taught.yaml", hearth.vocab).lessons() == {"make me a coffee": "turn on Coffee Machine"}
    again = hearth.handle("make me a coffee", dry_run=True)  # learnt: done at once
    assert again.failure is None and again.decision.action == ("HassTurnOn", ("switch.coffee_machine",), ())


def test_a_name_the_home_lacks_is_asked_about_with_a_device_near_it(tmp_path: Path) -> None:
    hearth = _hearth(tmp_path)
    # The templates read the command, with "telly" where a name goes; the device nearest to "telly" in
    # its place reads as the same command, and is asked about in the user's own words.
    asked = hearth.handle("switch the telly off", dry_run=True)
    assert asked.reply == 'Did you mean "switch the Television off"? Say yes to go ahead.' and not asked.messages
    done = hearth.handle("yes", dry_run=True)
    assert done.decision.action == ("HassTurnOff", ("media_player.television",), ()) and done.failure is None
    # The yes taught "telly" as another name of the Television: any sentence with it is now understood.
    assert TaughtPhrases(tmp_path / "taught.yaml", hearth.vocab).aliases() == {"telly": "media_player.television"}
    assert hearth.wait_for_home()
    on = hearth.handle("turn on the telly", dry_run=True)
    assert on.failure is None and on.decision.action == ("HassTurnOn", ("media_player.television",), ())
    # Forgotten elsewhere (`hearth teach --forget`, the page): the next utterance takes it up.
    assert TaughtPhrases(tmp_path / "taught.yaml", hearth.vocab).forget("telly")
    hearth.handle("what a lovely evening", dry_run=True)
    assert hearth.wait_for_home()
    assert hearth.handle("turn on the telly", dry_run=True).failure is Failure.NEEDS_CONFIRMATION
    # Nothing near enough: Home Assistant's answer, as before; a negated command is not asked about.
    assert hearth.handle("turn on the sprinklers", dry_run=True).reply == \
        "Sorry, I am not aware of any device called sprinklers"
    assert hearth.handle("don't switch the telly off", dry_run=True).failure is Failure.NOT_UNDERSTOOD


def test_a_no_does_nothing_and_teaches_nothing(tmp_path: Path) -> None:
    hearth = _hearth(tmp_path)
    assert hearth.handle("I could use an espresso", dry_run=True).failure is Failure.NEEDS_CONFIRMATION
    refused = hearth.handle("no", dry_run=True)
    assert refused.failure is Failure.DECLINED and not refused.messages
    assert TaughtPhrases(tmp_path / "taught.yaml", hearth.vocab).lessons() == {}


def test_switched_off_nothing_is_found_by_meaning(tmp_path: Path) -> None:
    hearth = _hearth(tmp_path, meaning_devices=0)
    outcome = hearth.handle("make me a coffee", dry_run=True)
    assert outcome.decision.intent is None and outcome.failure is Failure.NOT_UNDERSTOOD


def _score(cases: list[dict], records: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(("done", "asked", "wrong", "asked_wrong", "remarks_done", "remarks_asked"), 0)
    for case, got in zip(cases, records):
        exact = got["intent"] == case["intent"] and sorted(got["targets"]) == sorted(case.get("targets", []))
        asked = bool(got["intent"]) and not got["acted"] and not got.get("error")
        if case["intent"] == "none":
            counts["remarks_done"] += got["acted"]
            counts["remarks_asked"] += asked
        else:
            counts["done"] += exact and got["acted"]
            counts["asked"] += exact and asked
            counts["wrong"] += got["acted"] and not exact
            counts["asked_wrong"] += asked and not exact
    return counts


def test_development_set_figures(tmp_path: Path) -> None:
    """Measured 2026-12-04 (SmolLM2-135M, 30 commands, 10 remarks): before the meaning matcher 9 done, 1
    wrong (a reading from before: "stop the cleaning" started the vacuum), nothing asked. With it (2
    nearest devices, each standing out by 2 standard deviations; a name the home lacks replaced by a
    device near it and read by the templates, never one of its kind with another qualifier): the same 9
    done and 1 wrong, 9 asked about rightly, 1 wrongly ("wash the dishes": the dishwasher off), 2 remarks
    asked about ("the garage is full of boxes"), none acted on. Chosen on this set: 1 device offered
    asked 10 right and 5 wrong, 3 devices 6 and 2 (before the standout floor and the name path)."""
    cases = yaml.safe_load((MEANING / "dev.yaml").read_text())["cases"]
    out = tmp_path / "dev.jsonl"
    assert main(["eval", "--home", str(MEANING / "home_dev.yaml"), "--json", str(out), str(MEANING / "dev.yaml")]) == 0
    counts = _score(cases, [json.loads(line) for line in out.read_text().splitlines()])
    print(counts)
    assert counts["done"] >= 9 and counts["wrong"] <= 1 and counts["remarks_done"] == 0
    assert counts["asked"] >= 9 and counts["asked_wrong"] <= 1 and counts["remarks_asked"] <= 2


def test_sealed_set_figures(tmp_path: Path) -> None:
    """The sealed set (another home, other names), scored once on 2026-12-04 after the matcher's first
    version and never tuned on: 7 of 24 done (as without the matcher), 0 wrong, 7 asked about rightly, 2
    wrongly; of 10 remarks none acted on, 4 asked about. Rerun as a check after the changes chosen on the
    development set and the regression tests (the name path; never another of a device's kind, since "lock
    the front door" asked about the Back Door): 7 done, 0 wrong, 5 asked rightly, 2 wrongly, 3 remarks
    asked about. Kept as a floor from then on."""
    cases = yaml.safe_load((MEANING / "sealed.yaml").read_text())["cases"]
    out = tmp_path / "sealed.jsonl"
    assert main(["eval", "--home", str(MEANING / "home_sealed.yaml"), "--json", str(out), str(MEANING / "sealed.yaml")]) == 0
    counts = _score(cases, [json.loads(line) for line in out.read_text().splitlines()])
    print(counts)
    assert counts["done"] >= 7 and counts["wrong"] == 0 and counts["remarks_done"] == 0
    assert counts["asked"] >= 5 and counts["asked_wrong"] <= 2 and counts["remarks_asked"] <= 3


def test_taught_names_never_take_another_devices_name_and_a_damaged_file_is_said(tmp_path: Path) -> None:
    home = build_home(load_fixture_file(MEANING / "home_dev.yaml"), topic_base="home")
    named = home.with_aliases({"telly": "media_player.television", "kettle": "switch.coffee_machine",
                               "kitchen": "switch.kettle", "gone": "light.not_here"})
    assert named.entity("media_player.television").aliases == ("telly",)
    assert named.entity("switch.coffee_machine").aliases == ()  # "kettle" is the Kettle's name
    assert named.entity("switch.kettle").aliases == ()  # "kitchen" is an area's
    assert home.with_aliases({}) is home
    store = TaughtPhrases(tmp_path / "taught.yaml", vocabulary("en"))
    store.teach("movie night", "turn on Party Mode")
    store.teach_alias("  the   telly ", "media_player.television")
    assert store.aliases() == {"the telly": "media_player.television"}
    assert store.lessons() == {"movie night": "turn on Party Mode"}
    assert store.forget("The telly") and store.aliases() == {} and store.lessons()
    (tmp_path / "taught.yaml").write_text("phrases: {}\naliases: [telly]\n")
    with pytest.raises(TeachError, match="aliases"):
        store.aliases()


def test_spoken_a_name_the_home_lacks_is_asked_about_too(tmp_path: Path, stt, tts) -> None:
    # Piper's "switch the telly off" is heard "Switch the tele off." by tiny.en (2026-12-04).
    settings = Settings(home_file=str(MEANING / "home_dev.yaml"), topic_base="home",
                        intents={"stage": "both", "taught_file": str(tmp_path / "taught.yaml")})
    hearth = Assistant(settings, load_home(settings), stt=stt)
    asked = hearth.handle_speech(to_float(command_clip("switch the telly off", tts)), dry_run=True)
    assert asked.failure is Failure.NEEDS_CONFIRMATION and not asked.messages
    assert asked.decision.action == ("HassTurnOff", ("media_player.television",), ())
    assert asked.reply.startswith("Did you mean") and "Television" in asked.reply
