"""Generated phrasings (#34): homes drawn at random, commands paraphrased by a packaged model
(`app/bench/phrasings.py`). The development split's figures, measured 2026-12-05 with the service's
settings (templates, then SmolLM2-135M), are floors; the sealed splits are scored apart (docs/understanding.md)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from app.bench.phrasings import (
    CLOSERS,
    OPENERS,
    POOLS,
    commands,
    make_home,
    roughen,
    score,
)

DEV = Path(__file__).parent / "data" / "phrasings" / "dev"


@pytest.mark.fast
def test_a_drawn_home_and_its_commands_are_consistent() -> None:
    pools = yaml.safe_load(POOLS.read_text())
    rng = random.Random(7)
    home = make_home(rng, pools)
    ids = {e["id"] for e in home["entities"]}
    areas = {a["id"] for a in home["areas"]}
    assert len(ids) == len(home["entities"]) and all(e["area"] in areas for e in home["entities"])
    drawn = commands(home, rng, pools, 40)
    assert len({c.text for c in drawn}) == 40 and all(set(c.targets) <= ids for c in drawn)
    assert {c.kind for c in drawn} >= {"on_off", "lock", "timer"}
    # What people add around a command keeps its words, but for one slip of the keys at most.
    said = "switch off the kitchen kettle"
    for seed in range(200):
        text = roughen(said, random.Random(seed))
        for extra in sorted((*OPENERS, *CLOSERS), key=len, reverse=True):
            text = text.replace(extra.strip(", "), " ").replace(",", " ")
        words = text.lower().split()
        assert len(words) == len(said.split()), text
        assert sum(a != b for a, b in zip(words, said.split())) <= 1, text


@pytest.mark.parametrize(("split", "cases", "right", "wrong"), [("dev", 305, 233, 11), ("sealed", 306, 252, 7),
                                                         ("sealed_2", 304, 239, 6)])
def test_the_development_splits_hold_their_figures(split: str, cases: int, right: int, wrong: int) -> None:
    """The splits tuned on or already scored once (all development data now), measured 2026-12-05 at the
    end of the afternoon's changes, right at once in `hearth eval`'s one meaning (`verdict`: a command
    only asked about, "Did you mean ...?", is not right; before that afternoon it was counted right).
    dev: 229 right, 9 asked, 12 wrong at the afternoon's start, 233 / 12 / 11 now; sealed: 252 / 6 / 7 now;
    sealed_2: 239 / 10 / 6 now. In the earlier count (asked as right): dev 223 / 17 wrong at the morning's
    start, 238 / 12 at its end, 245 / 11 now; sealed 239 / 17, 249 / 14 when scored, 258 / 8 at the
    morning's end, 258 / 7 now; sealed_2 235 / 9, 244 / 7 when scored, 249 / 6 now. Wrong actions include
    the paraphraser's own changes of the request ("make the chandelier purple" for blue): read them before
    counting them against Hearth."""
    summary = score(DEV.parent / split, show=False)
    assert summary.scored == cases
    assert summary.passed >= right and summary.wrong_actions <= wrong, (summary.passed, summary.wrong_actions)
