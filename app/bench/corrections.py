"""``hearth bench --corrections``: what spoken corrections fix, on the same voice and on another.

Each case is spoken by one voice. Where Hearth gets it wrong or refuses, the
user corrects it aloud in the same voice ("I meant turn on Garage Light",
the case's expected command in plain words), which puts back what was wrong
and teaches the words heard; a correction misheard into a wrong action is
answered "no", which puts that back and drops its lesson. Then every case is spoken again, by that voice
and by another voice Hearth has not been corrected in, and scored against the
same cases spoken before any lesson. Lessons are kept in a temporary file;
nothing is published.
"""

from __future__ import annotations

import resource
import tempfile
from pathlib import Path
from typing import Any, Optional

from app.audio.inputs import to_float
from app.bench.bench import stats
from app.bench.clips import command_clip
from app.cli.evaluate import Case, score
from app.config import Settings
from app.core.assistant import Assistant
from app.speak.tts import TextToSpeech
from app.stt.speech_to_text import SpeechToText
from devices.decision import Decision
from devices.registry import Home
from intents.canonical import render
from intents.vocabulary import Vocabulary

#: How a correction opens, by language; the expected command follows.
OPENERS = {"en": "I meant", "zh-cn": "我是说"}


def plain_command(case: Case, home: Home, vocab: Vocabulary) -> Optional[str]:
    """The case's expected action as a plain command the templates read, or None."""
    intent, targets = case.expected.get("intent"), case.expected.get("targets") or []
    entities = [home.entity(t) for t in targets]
    if intent in (None, "none") or not entities or None in entities:
        return None
    slots: dict[str, Any] = dict(case.expected.get("data") or {})
    if len(entities) == 1:
        slots.update(name=entities[0].name, domain=entities[0].domain)
    else:
        areas, domains = {e.area_id for e in entities}, {e.domain for e in entities}
        area = home.area(areas.pop()) if len(areas) == 1 else None
        if area is None or len(domains) != 1:
            return None
        slots.update(area=area.name, domain=domains.pop())
    return render(intent, slots, vocab)


def _judged(decision: Decision, case: Case) -> str:
    """"right", "wrong" (it acted, and not as expected) or "refused"."""
    record = {"acted": decision.acts, "intent": decision.intent, "slots": dict(decision.recognition.slots),
              "targets": list(decision.targets), "data": dict(decision.data)}
    if all(score(record, case.expected).values()):
        return "right"
    return "wrong" if decision.acts else "refused"


def _sites(home: Home) -> dict[str, str]:
    """A site in every room, so a case's context is where it is heard."""
    return {f"bench_{area.id}": area.id for area in home.areas}


def bench_corrections(settings: Settings, home: Home, cases: list[Case], voice: str, other_voice: str) -> dict[str, Any]:
    """The figures: right, wrong and refused per voice before and after the corrections."""
    language = settings.intents.language
    stt = SpeechToText(settings.stt, language).load()
    tts = TextToSpeech(settings.tts, language).load()
    cases = [c for c in cases if c.text and "intent" in c.expected]
    with tempfile.TemporaryDirectory() as folder:
        taught = str(Path(folder) / "taught.yaml")
        # No deadline: what the lessons fix must not depend on how busy the machine is (the plain bench times it).
        intents = settings.intents.model_copy(update={"taught_file": taught, "decision_deadline_ms": 60_000.0})
        configured = settings.model_copy(update={"sites": {**settings.sites, **_sites(home)}, "intents": intents,
                                                 "llm": settings.llm.model_copy(update={"deadline_ms": 60_000.0})})

        def hearth() -> Assistant:
            return Assistant(configured, home, stt=stt)

        def say(assistant: Assistant, text: str, who: str, case: Case, seed: int) -> Any:
            area = home.find_area(str(case.context.get("area"))) if case.context.get("area") else None
            clip = to_float(command_clip(text, tts, seed=seed, voice=who))
            return assistant.handle_speech(clip, f"bench_{area.id}" if area else None, dry_run=True)

        before_other = [_judged(say(hearth(), c.text or "", other_voice, c, i).decision, c) for i, c in enumerate(cases)]
        learner, before, corrected, timings, rows = hearth(), [], [], [], []
        for i, case in enumerate(cases):
            heard = say(learner, case.text or "", voice, case, i)
            before.append(_judged(heard.decision, case))
            rows.append({"text": case.text, "heard": heard.text, "before": before[-1]})
            command = plain_command(case, home, learner.vocab)
            if before[-1] == "right" or command is None:
                continue
            fixed = say(learner, f"{OPENERS.get(language, OPENERS['en'])} {command}", voice, case, i)
            fixed = learner.handle("yes", dry_run=True) if fixed.awaiting_confirmation else fixed
            corrected.append(_judged(fixed.decision, case))
            rows[-1].update(correction=fixed.text, corrected=corrected[-1])
            if corrected[-1] == "wrong":  # the user hears it go wrong again and says no: put back, lesson dropped
                rows[-1]["then_no"] = say(learner, "no", voice, case, i).reply
            timings.append(fixed.timings_ms.get("stt", 0.0) + fixed.timings_ms.get("nlu", 0.0))
        lessons = len(learner.understander.taught.lessons()) if learner.understander.taught else 0
        after = [_judged(say(learner, c.text or "", voice, c, i).decision, c) for i, c in enumerate(cases)]
        after_other = [_judged(say(learner, c.text or "", other_voice, c, i).decision, c) for i, c in enumerate(cases)]
        for row, result, other, was in zip(rows, after, after_other, before_other):
            row.update(after=result, before_other_voice=was, after_other_voice=other)

    def counts(results: list[str]) -> dict[str, int]:
        return {key: results.count(key) for key in ("right", "wrong", "refused")}

    return {
        "cases": len(cases), "voice": voice, "other_voice": other_voice,
        "before": counts(before), "before_other_voice": counts(before_other),
        "corrections": counts(corrected), "correction_decision_ms": stats(timings), "lessons_kept": lessons,
        "after": counts(after), "after_other_voice": counts(after_other),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "per_case": rows,
    }


def corrections_table(figures: dict[str, Any]) -> str:
    """The figures as a table."""
    rows = [f"{figures['cases']} cases spoken by {figures['voice']}, corrected in that voice; "
            f"the other voice: {figures['other_voice']}",
            f"{'':32} {'right':>6} {'wrong':>6} {'refused':>8}"]
    for key in ("before", "after", "before_other_voice", "after_other_voice", "corrections"):
        c = figures[key]
        rows.append(f"{key:32} {c['right']:6} {c['wrong']:6} {c['refused']:8}")
    t = figures["correction_decision_ms"]
    rows.append(f"correction, end of speech to decision: p50 {t['p50']} / p95 {t['p95']} / max {t['max']} ms")
    rows.append(f"lessons kept {figures['lessons_kept']}; peak RSS {figures['peak_rss_mb']} MB")
    return "\n".join(rows)
