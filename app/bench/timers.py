"""``hearth bench --timers``: how late timers ring, over a restart too, and how fast a question's answer is decided.

On the real clock and the real timer thread: a timer of a few seconds is
set by voice command, and the time from its due moment to its ring is
measured; then the same with the service stopped and started again from its
file in between (a restart). The follow-up figure is the end of speech to
decision of spoken answers to "which one?", next to the question itself.
"""

from __future__ import annotations

import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Optional

from app.audio.inputs import to_float
from app.bench.bench import stats
from app.bench.clips import command_clip
from app.config import Settings
from app.core.assistant import Assistant
from app.speak.tts import TextToSpeech
from app.stt.speech_to_text import SpeechToText
from app.timers.service import TimerService
from devices.registry import Home

#: A command and its answer, spoken; the home must have two lamps (the demo's and the reference home's do).
DIALOGS = (("turn on the lamp", "the bedroom one"), ("turn off the lamp", "the living room one"),
           ("set the lamp to 30%", "both"))


def _ring_lateness(settings: Settings, home: Home, seconds: int, gap: Optional[float]) -> dict[str, float]:
    """Set a timer of ``seconds`` by command; with ``gap``, stop the service at once and start a new one
    from the file ``gap`` seconds later. Returns how late it rang, and how far its end moved over the restart."""
    rang = threading.Event()
    rang_at: list[float] = []

    def serve() -> tuple[Assistant, TimerService]:
        service = TimerService(settings.timers, settings.timers.path())
        service.ringer = lambda timer, count: (rang_at.append(time.time()), rang.set())
        return Assistant(settings, home, timers=service), service.start()

    assistant, service = serve()
    assistant.handle(f"set a timer for {seconds} seconds")
    (timer,) = service.timers()
    moved = 0.0
    if gap is not None:
        service.stop()
        time.sleep(gap)
        assistant, service = serve()
        (after,) = service.timers()
        moved, timer = abs(after.ends_at - timer.ends_at), after
    rang.wait(seconds + 10)
    service.stop()
    return {"late_s": rang_at[0] - timer.ends_at if rang_at else float("inf"), "end_moved_s": moved}


def bench_timers(settings: Settings, home: Home, runs: int = 3, seconds: int = 4, gap: float = 2.0) -> dict[str, Any]:
    """The timer and follow-up figures."""
    with tempfile.TemporaryDirectory() as folder:
        timers = settings.timers.model_copy(update={"file": str(Path(folder) / "timers.json")})
        quiet = settings.model_copy(update={"timers": timers,
                                            "intents": settings.intents.model_copy(update={"stage": "templates"})})
        plain = [_ring_lateness(quiet, home, seconds, None) for _ in range(runs)]
        restarted = [_ring_lateness(quiet, home, seconds, gap) for _ in range(runs)]
    stt = SpeechToText(settings.stt, settings.intents.language).load()
    tts = TextToSpeech(settings.tts, settings.intents.language).load()
    assistant = Assistant(settings, home, stt=stt)
    asked, answered, right = [], [], 0
    for i, (command, answer) in enumerate(DIALOGS * 2):
        question = assistant.handle_speech(to_float(command_clip(command, tts, seed=i)), dry_run=True)
        reply = assistant.handle_speech(to_float(command_clip(answer, tts, seed=i)), dry_run=True)
        asked.append(question.timings_ms.get("total", 0.0))
        answered.append(reply.timings_ms.get("total", 0.0))
        right += question.follow_up and reply.decision.intent is not None and bool(reply.decision.targets)
    return {
        "timer_seconds": seconds, "runs": runs, "restart_gap_s": gap,
        "ring_late_ms": stats([r["late_s"] * 1000 for r in plain]),
        "ring_late_over_restart_ms": stats([r["late_s"] * 1000 for r in restarted]),
        "end_moved_over_restart_ms": stats([r["end_moved_s"] * 1000 for r in restarted]),
        "question_decision_ms": stats(asked), "answer_decision_ms": stats(answered),
        "dialogs_completed": f"{right}/{len(DIALOGS) * 2}",
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def timers_table(figures: dict[str, Any]) -> str:
    """The figures as a table."""
    rows = [f"timers of {figures['timer_seconds']} s, {figures['runs']} runs; restart gap {figures['restart_gap_s']} s",
            f"{'':34} {'p50':>8} {'p95':>8} {'max':>8}"]
    for key in ("ring_late_ms", "ring_late_over_restart_ms", "end_moved_over_restart_ms",
                "question_decision_ms", "answer_decision_ms"):
        s = figures[key]
        rows.append(f"{key:34} {s['p50']:8.1f} {s['p95']:8.1f} {s['max']:8.1f}")
    rows.append(f"spoken dialogs completed (question, answer, action): {figures['dialogs_completed']}")
    rows.append(f"peak RSS {figures['peak_rss_mb']} MB")
    return "\n".join(rows)
