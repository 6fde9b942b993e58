"""Spoken commands of the user's own grammars, heard by the whole chain, in noise (#30).

Sentences are sampled from the custom-sentence files (hassil's sampler over
every list value and range), playlist names for wildcards are made up, and
each is spoken by one of several synthetic voices, clean, in babble (other
voices saying other commands) or in white noise, at signal-to-noise ratios
from 24 to 6 dB. A command is right when it is carried out at once with intent
and every slot equal to what the templates read from the typed sentence (asked
back with the right reading is counted apart: it needs a yes); sentences that are no command of
the grammar measure false acceptance (anything carried out). Run:

    python -m app.bench.custom_speech --grammars tests/data/custom_sentences --count 60 --json out.json
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from typing import Any, Optional

import numpy as np
from hassil.errors import MissingListError
from hassil.sample import sample_expression

from app.audio.inputs import SAMPLE_RATE
from app.bench.clips import add_noise, pad, speak
from app.config import Settings
from app.core.assistant import Assistant, load_home
from app.core.custom_turn import whole_numbers
from app.core.failure import Failure
from app.speak.tts import TextToSpeech
from app.stt.speech_to_text import SpeechToText

VOICES = ("piper", "flite-slt", "flite-rms", "flite-awb", "flite-kal", "espeak")
CONDITIONS = (None, ("babble", 24), ("babble", 12), ("white", 12), ("babble", 6), ("white", 6))
#: Made-up names for wildcard slots (a playlist is whatever its owner called it).
FIRST = ("evening", "morning", "sunday", "road trip", "dinner", "workout", "rainy day", "summer")
SECOND = ("chill", "jazz", "classics", "mix", "hits", "favourites", "party", "acoustic")
#: Spoken sentences that are no command of these grammars: remarks and questions about the same things.
NOT_COMMANDS = (
    "the coffee was cold this morning", "I watered the garden yesterday", "did anyone make coffee",
    "that playlist was great last night", "the sprinkler in zone two is broken", "how long should I water the lawn",
    "I like the new espresso machine", "we need to buy more coffee beans", "what was that song called",
    "the back garden looks dry", "remind me what a flat white is", "my sister loves cappuccino",
    "is it going to rain today", "the kids are playing in the front lawn", "let's have dinner at seven",
    "thank you very much", "I'm going to bed now", "where did I leave my keys",
)


def commands(assistant: Assistant, count: int, seed: int) -> list[tuple[str, str, dict]]:
    """``count`` sentences of the user's intents with what the templates read from each typed."""
    recognizer = assistant.sentences.recognizer
    texts = []
    for name in sorted(recognizer.custom):
        for block in recognizer.intents.intents[name].data:
            lists = {**recognizer.intents.slot_lists, **recognizer.slot_lists, **block.slot_lists}
            rules = {**recognizer.intents.expansion_rules, **block.expansion_rules}
            for sentence in block.sentences:
                try:
                    texts += sample_expression(sentence.expression, lists, rules, recognizer.language)
                except MissingListError:  # a wildcard: made-up values below
                    continue
    rng = random.Random(seed)
    texts += [f"play the {rng.choice(FIRST)} {rng.choice(SECOND)} playlist" + rng.choice(("", " in the kitchen"))
              for _ in range(max(1, len(texts) // 20))]
    picked = rng.sample(texts, min(count, len(texts)))
    cases = []
    for text in picked:
        reading = recognizer.recognize(text, assistant.context_of(None))
        if reading.intent is not None:
            cases.append((text, reading.intent, whole_numbers(reading.slots)))
    return cases


def noisy(samples: np.ndarray, condition: Optional[tuple[str, float]], babble: list[np.ndarray],
          seed: int) -> np.ndarray:
    """The clip in ``condition``: white noise, or babble (three other voices mixed) at an SNR over the speech."""
    samples = pad(samples)
    if condition is None:
        return samples
    kind, snr = condition
    if kind == "white":
        return add_noise(samples, snr, seed)
    rng = np.random.default_rng(seed)
    noise = np.zeros_like(samples)
    for other in rng.choice(len(babble), 3, replace=False):
        voice = babble[other]
        start = int(rng.integers(0, max(1, len(voice) - len(samples))))
        piece = np.resize(voice[start:start + len(samples)], len(samples))
        noise += piece
    speech = samples[np.abs(samples) > 1e-4]
    power, noise_power = float(np.mean(speech ** 2)), float(np.mean(noise ** 2)) or 1e-9
    return np.clip(samples + noise * np.sqrt(power / noise_power / 10 ** (snr / 10)), -1, 1).astype(np.float32)


def run(grammars: str, count: int, seed: int, stage: str, every: bool = False) -> dict[str, Any]:
    """The bench; ``every``: each remark in every condition (108 clips), not in one (18)."""
    settings = Settings(intents={"custom_sentences": grammars, "stage": stage})
    tts = TextToSpeech().load()
    assistant = Assistant(settings, load_home(settings, "app/cli/demo_home.yaml"), None,
                          SpeechToText(settings.stt).load())
    cases = commands(assistant, count, seed)
    babble = [speak(text, voice, tts) for voice, text in zip(VOICES, NOT_COMMANDS[::3])]
    rng = random.Random(seed)
    per: dict[str, dict[str, int]] = {}
    wrong_examples, refused, times = [], [], []
    for i, (text, intent, slots) in enumerate(cases):
        voice, condition = rng.choice(VOICES), CONDITIONS[i % len(CONDITIONS)]
        name = "clean" if condition is None else f"{condition[0]} {condition[1]} dB"
        outcome = assistant.handle_speech(noisy(speak(text, voice, tts), condition, babble, i), dry_run=True)
        assistant.dialog.confirmations.take(assistant.settings.site)  # a question asked is not answered here
        times.append(outcome.timings_ms.get("total", 0.0))
        got = (outcome.decision.intent, whole_numbers(outcome.decision.recognition.slots))
        row = per.setdefault(name, {"n": 0, "right": 0, "asked": 0, "wrong": 0})
        row["n"] += 1
        if got == (intent, slots) and outcome.failure is None:
            row["right"] += 1
        elif got == (intent, slots) and outcome.failure is Failure.NEEDS_CONFIRMATION:
            row["asked"] += 1  # "Did you say ...?": right only after a yes, which is not given here
        elif outcome.decision.intent is not None and outcome.failure is None:
            row["wrong"] += 1
            wrong_examples.append({"case": i, "said": text, "voice": voice, "condition": name, "heard": outcome.text,
                                   "got": got[0], "slots": got[1]})
        else:
            refused.append({"case": i, "said": text, "voice": voice, "condition": name, "heard": outcome.text,
                            "got": got[0], "failure": outcome.failure})
    accepted = 0
    remarks = [(i, text, k) for i, text in enumerate(NOT_COMMANDS) for k in range(len(CONDITIONS) if every else 1)]
    for i, text, k in remarks:
        condition = CONDITIONS[(i + k) % len(CONDITIONS)]
        outcome = assistant.handle_speech(noisy(speak(text, VOICES[(i + k) % len(VOICES)], tts), condition, babble,
                                                i + 100 * k), dry_run=True)
        assistant.dialog.confirmations.take(assistant.settings.site)
        if outcome.decision.intent is not None and outcome.failure is None and outcome.decision.intent != "HassNevermind":
            accepted += 1
            wrong_examples.append({"said": text, "condition": str(condition), "heard": outcome.text,
                                   "got": outcome.decision.intent})
    n = sum(r["n"] for r in per.values())
    return {
        "commands": n, "right": sum(r["right"] for r in per.values()), "wrong": sum(r["wrong"] for r in per.values()),
        "asked_back": sum(r["asked"] for r in per.values()),
        "per_condition": per, "not_commands": len(remarks), "not_commands_accepted": accepted,
        "total_ms": {"p50": statistics.median(times), "p95": sorted(times)[int(0.95 * (len(times) - 1))],
                     "max": max(times)},
        "wrong_examples": wrong_examples, "refused_examples": refused, "sample_rate": SAMPLE_RATE, "stage": stage,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grammars", default="tests/data/custom_sentences")
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stage", default="both", choices=("both", "templates", "llm"))
    parser.add_argument("--every-condition", action="store_true", help="each remark in every condition")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    report = run(args.grammars, args.count, args.seed, args.stage, args.every_condition)
    text = json.dumps(report, indent=1, default=str)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(text)
    print(text)


if __name__ == "__main__":
    main()
