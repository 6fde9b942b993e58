"""The fault bench's Wyoming scenario, the whole run, its targets and its table."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from app.bench.faults.common import (
    _ROOT,
    AUTOSAVE,
    BROKER_CONFIG,
    _rss_mb,
    command_text,
    stats,
    wait_until,
)
from app.bench.faults.processes import _child_env
from app.bench.faults.scenarios import broker_fault, discovery_flood, malformed_flood
from app.bench.local_broker import free_port


async def _request(port: int, events: list[Any], until: tuple[str, ...], timeout: float = 10.0) -> tuple[float, str]:
    """Seconds from connecting to the answer, on a new connection as Home Assistant opens one per request."""
    from wyoming.event import async_read_event, async_write_event

    started = time.monotonic()
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        for event in events:
            await async_write_event(event, writer)
        while True:
            event = await asyncio.wait_for(async_read_event(reader), max(0.01, started + timeout - time.monotonic()))
            if event is None:
                return time.monotonic() - started, "closed"
            if event.type in until or event.type == "error":
                return time.monotonic() - started, event.type
    finally:
        writer.close()


async def _wyoming_scene(port: int, idle: int, requests: int) -> dict[str, Any]:
    from wyoming.asr import Transcript
    from wyoming.event import async_write_event
    from wyoming.info import Describe
    from wyoming.tts import Synthesize

    async def measure(count: int) -> dict[str, Any]:
        describe, understand, kinds = [], [], []
        for i in range(count):
            dt, kind = await _request(port, [Describe().event()], ("info",))
            describe.append(dt)
            kinds.append(kind)
            dt, kind = await _request(port, [Transcript(text=command_text(i % 100 + 1)).event()],
                                      ("intent", "not-recognized", "handled", "not-handled"))
            understand.append(dt)
            kinds.append(kind)
            await asyncio.sleep(0.2)
        return {"describe_ms": stats(describe), "transcript_ms": stats(understand),
                "answers": {k: kinds.count(k) for k in sorted(set(kinds))}}

    quiet = await measure(max(3, requests // 3))
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    started = time.monotonic()
    for _ in range(idle):
        try:
            opened.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5))
        except (OSError, asyncio.TimeoutError):
            break
    open_s = time.monotonic() - started
    await asyncio.sleep(1.0)  # all accepted by the server's loop
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a sentence or two
    silent.connect(("127.0.0.1", port))
    _, silent_writer = await asyncio.open_connection(sock=silent)
    long_text = " ".join(f"Light {i} is on." for i in range(150))  # minutes of speech, cut at max_text_length
    await async_write_event(Synthesize(text=long_text).event(), silent_writer)  # and never reads
    await asyncio.sleep(1.0)  # its synthesis under way
    crowded = await measure(requests)
    # What the idle ones got meanwhile: nothing (still open) or a "busy" refusal and the end.
    refused = closed = 0
    for reader, _ in opened:
        try:
            data = await asyncio.wait_for(reader.read(4096), 0.001)
        except asyncio.TimeoutError:
            continue
        except OSError:
            closed += 1
            continue
        refused += b"busy" in data
        closed += not data
    for _, writer in opened:
        writer.close()
    silent_writer.transport.abort()
    return {"idle_connections": len(opened), "open_s": round(open_s, 2), "idle_refused_busy": refused,
            "idle_closed": closed, "quiet": quiet, "crowded": crowded}


def wyoming_crowd(idle: int = 1000, requests: int = 10, nofile: int = 4096) -> dict[str, Any]:
    """``hearth wyoming`` in a process limited to ``nofile`` descriptors, with ``idle`` idle connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = idle + 200
    if soft < need:  # the bench holds the client ends of the idle connections
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, 4096)), hard))
    settings = {"max_connections": idle + 100, "idle_timeout": 300, "write_timeout": 30}
    with tempfile.TemporaryDirectory(prefix="hearth-faults-wyoming-") as folder:
        home = _ROOT / "app" / "cli" / "demo_home.yaml"
        config = Path(folder) / "config.yaml"
        config.write_text(f"home_file: {home}\ntopic_base: demo\nintents: {{stage: templates}}\n"
                          f"wyoming: {json.dumps(settings)}\n",
                          encoding="utf-8")
        log = Path(folder) / "wyoming.log"
        port = free_port()
        limit = min(nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--config", str(config), "wyoming", "--uri", f"tcp://127.0.0.1:{port}",
             "--no-zeroconf", "--understanding", "intent"], stdout=log.open("wb"), stderr=subprocess.STDOUT,
            cwd=str(_ROOT), env=_child_env(), preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)))
        try:
            if not wait_until(lambda: "wyoming ready" in log.read_text(errors="replace") or process.poll() is not None,
                          180, 0.2) or process.poll() is not None:
                raise RuntimeError(f"hearth wyoming did not start: {log.read_text(errors='replace')[-2000:]}")
            figures = asyncio.run(asyncio.wait_for(_wyoming_scene(port, idle, requests), 300))
            figures["server_rss_mb"] = _rss_mb(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        output = log.read_text(errors="replace")
    return {**figures, "server_nofile": limit, "settings": settings,
            "slow_reader_dropped": "unread" in output, "tracebacks": output.count("Traceback")}


# -- everything --------------------------------------------------------------------------------------------------

def bench_faults(commands: int = 100, outage: float = 10.0, configs: int = 5000, flood: int = 10_000,
                 idle: int = 1000, requests: int = 10,
                 only: tuple[str, ...] = ("kill", "kill_autosave", "pause", "discovery", "flood", "wyoming")) -> dict[str, Any]:
    """Every scenario; the figures as a dict (``faults_table`` prints them)."""
    report: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "load_1min_at_start": round(os.getloadavg()[0], 2)},
        "hearth": "templates only (no speech models, no LLM); demo home; persistent MqttLink, client id "
                  "hearth-bench-run; connect_home as hearth run wires it; a process of its own",
        "broker": "mosquitto, persistence true (autosave_interval default: 1800 s), max_queued_messages 20000",
    }
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "kill": lambda: broker_fault("kill", commands, outage=outage),
        # The same broker saving its state every second: Hearth's session (its subscription) survives the kill.
        "kill_autosave": lambda: broker_fault("kill", commands, outage=outage, broker=BROKER_CONFIG + AUTOSAVE),
        "pause": lambda: broker_fault("pause", commands, outage=outage),
        "discovery": lambda: discovery_flood(configs),
        "flood": lambda: malformed_flood(flood),
        "wyoming": lambda: wyoming_crowd(idle, requests),
    }
    for name in only:
        started = time.monotonic()
        report[name] = steps[name]()
        report[name]["took_s"] = round(time.monotonic() - started, 1)
    report["targets"] = targets(report)
    return report


def targets(report: dict[str, Any]) -> dict[str, bool]:
    """Each of the issue's targets the report has figures for: met or not."""
    met: dict[str, bool] = {}
    for kind in ("kill", "pause"):  # kill_autosave: a broker setting, not the setup
        if kind in report:
            met[f"{kind}: lost silently 0"] = report[kind]["lost_silently"] == 0
            met[f"{kind}: done after failure 0"] = report[kind]["done_after_failure"] == 0
    if "discovery" in report:
        taken = report["discovery"]["taken_up_s"]
        met["discovery: all entities in <= 10 s"] = taken is not None and taken <= 10.0
        met["discovery: slowest reply <= 1 s"] = report["discovery"]["reply_ms_during"]["max"] <= 1000
    if "flood" in report:
        met["flood: slowest reply <= 1 s"] = report["flood"]["reply_ms_during"]["max"] <= 1000
        met["flood: answers after"] = report["flood"]["answers_after"]
    if "wyoming" in report:
        crowded = report["wyoming"]["crowded"]
        met["wyoming: describe <= 1 s"] = crowded["describe_ms"]["max"] <= 1000
        met["wyoming: transcript <= 1 s"] = crowded["transcript_ms"]["max"] <= 1000
    return met


def faults_table(report: dict[str, Any]) -> str:
    """The figures as a short table."""
    def row(name: str, value: Any) -> str:
        return f"{name:<46}{value}"

    def ms(s: dict[str, Any]) -> str:
        return f"p50 {s['p50']} / p95 {s['p95']} / max {s['max']} ms (n={s['n']})"

    lines = [row("machine", f"{report['machine']['cores']} cores, load {report['machine']['load_1min_at_start']} "
                            "at start"), row("hearth", report["hearth"]), row("broker", report["broker"])]
    for kind in ("kill", "kill_autosave", "pause"):
        if kind not in report:
            continue
        f = report[kind]
        lines += [f"-- broker {kind}: {f['fault']}, {f['outage_s']:g} s, {f['sent']} commands at "
                  f"{f['rate_per_s']:g}/s; {f['broker']}",
                  row("not accepted (sender told)", f"{f['not_accepted']} (in doubt {f['not_accepted_in_doubt']}, "
                                                    f"answered later {f['not_accepted_but_answered']}, carried out "
                                                    f"{f['not_accepted_but_carried_out']})"),
                  row("answered done (light got it)", f"{f['done']} (light never got it: {f['done_not_carried_out']})"),
                  row("answered with a failure", f"{f['failed']} {f['failures']}"),
                  row("LOST SILENTLY (target 0)", f"{f['lost_silently']} {f['lost'][:20]} (carried out anyway: "
                                                  f"{f['lost_but_carried_out']})"),
                  row("done after a failure reply (target 0)", f"{f['done_after_failure']} (after not_confirmed: "
                                                               f"{f['done_after_not_confirmed']})"),
                  row("carried out twice", f['carried_out_twice']),
                  row("reply time", ms(f["reply_ms"])),
                  row("Hearth's log", f["hearth_log"])]
    if "discovery" in report:
        f = report["discovery"]
        lines += [f"-- {f['configs']} discovery configs, a command every {f['command_every_s']:g} s",
                  row("published in", f"{f['published_s']} s"),
                  row("parsed by discovery in", f"{f['parsed_s']} s"),
                  row("in Hearth's home in (target <= 10 s)", f"{f['taken_up_s']} s ({f['entities']} entities)"),
                  row("reply while taking them up (<= 1 s)", ms(f["reply_ms_during"])),
                  row("replies, all commands", f"{ms(f['reply_ms'])}; {f['outcomes']}"),
                  row("a command to the last entity", f["last_entity_command"])]
    if "flood" in report:
        f = report["flood"]
        lines += [f"-- {f['messages']} malformed messages (published in {f['published_s']} s)",
                  row("Hearth RSS before / after / peak", f"{f['rss_before_mb']} / {f['rss_after_mb']} / "
                                                         f"{f['peak_rss_mb']} MB"),
                  row("reply during the flood (<= 1 s)", f"{ms(f['reply_ms_during'])}; {f['outcomes_during']}"),
                  row("answers after (done)", f"{f['answers_after']}: {f['reply_after']}"),
                  row("log lines, tracebacks", f"{f['hearth_log_lines']}, {f['tracebacks']}")]
    if "wyoming" in report:
        f = report["wyoming"]
        lines += [f"-- Wyoming: {f['idle_connections']} idle connections (opened in {f['open_s']} s), a client "
                  f"that never reads; {f['settings']}, {f['server_nofile']} descriptors",
                  row("quiet: describe", ms(f["quiet"]["describe_ms"])),
                  row("quiet: transcript", ms(f["quiet"]["transcript_ms"])),
                  row("crowded: describe (<= 1 s)", ms(f["crowded"]["describe_ms"])),
                  row("crowded: transcript (<= 1 s)", ms(f["crowded"]["transcript_ms"])),
                  row("answers while crowded", f["crowded"]["answers"]),
                  row("idle refused busy / closed", f"{f['idle_refused_busy']} / {f['idle_closed']}"),
                  row("server RSS, tracebacks", f"{f['server_rss_mb']} MB, {f['tracebacks']}")]
    lines.append("-- targets")
    lines += [row(name, "met" if ok else "MISSED") for name, ok in report.get("targets", {}).items()]
    return "\n".join(lines)
