"""Hearth's Wyoming server against hostile and careless clients (#33), and as Home Assistant names it (#29).

Real servers on loopback, driven by the ``wyoming`` package's client or raw sockets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from typing import Iterator

import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize

from app.audio.inputs import to_float
from app.config import Settings
from app.core.assistant import Assistant, load_home
from app.wyoming.server import ThreadedServer, WyomingServer
from app.wyoming.services import Services
from tests.conftest import FIXTURES

#: Generous: each bound proves "not blocked" (the failures they catch last for ever, or 90 s).
_SERVED_WITHIN = 5.0


def _server(stt, tts, **wyoming) -> ThreadedServer:
    settings = Settings(home_file=str(FIXTURES), intents={"stage": "templates"},
                        wyoming={"uri": "tcp://127.0.0.1:0", "zeroconf": False, "understanding": "intent",
                                 "max_audio_seconds": 5, **wyoming})
    assistant = Assistant(settings, load_home(settings), stt=stt)
    return ThreadedServer(WyomingServer(Services(assistant, tts, settings.wyoming))).start()


@pytest.fixture
def server(stt, tts) -> Iterator[ThreadedServer]:
    started = _server(stt, tts)
    yield started
    started.stop()


def _port(server: ThreadedServer) -> int:
    return int(str(server.address).rsplit(":", 1)[1])


async def _ask(server: ThreadedServer, *events: Event, until: str, timeout: float = 60.0) -> list[Event]:
    """Send ``events``; every answer until one of type ``until``."""
    async with AsyncTcpClient("127.0.0.1", _port(server)) as client:
        for event in events:
            await client.write_event(event)
        got: list[Event] = []
        while not got or got[-1].type != until:
            event = await asyncio.wait_for(client.read_event(), timeout)
            assert event is not None, f"connection closed after {[e.type for e in got]}"
            got.append(event)
        return got


def _peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def _reset_peak_rss() -> None:
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")  # VmHWM starts again from the current RSS (Linux 4.0 and later)


# 1. The declared audio format is checked, and the length counted from it, before anything is converted.

@pytest.mark.parametrize("rate, width, channels", [(1, 2, 1), (16000, 9, 1), (16000, 2, 0), (1_000_000, 2, 1),
                                                   ("16000", 2, 1)])
def test_an_absurd_audio_format_is_refused_before_it_is_converted(server: ThreadedServer, rate, width,
                                                                  channels) -> None:
    _reset_peak_rss()
    before = _peak_rss_mb()
    chunk = Event("audio-chunk", {"rate": rate, "width": width, "channels": channels}, bytes(20_000))
    events = asyncio.run(_ask(server, Transcribe().event(), AudioStart(rate=16000, width=2, channels=1).event(),
                              chunk, chunk, AudioStop().event(), Describe().event(), until="info"))
    # One error for the stream (not one a chunk), nothing transcribed, and the connection goes on.
    assert [e.type for e in events] == ["error", "info"]
    assert Error.from_event(events[0]).code == "bad-audio"
    assert _peak_rss_mb() - before < 100  # rate 1 used to resample 20 KB into 320 MB, twice


def test_an_absurd_audio_start_is_refused_and_others_are_served(server: ThreadedServer, tts) -> None:
    async def both() -> tuple[list[Event], list[Event]]:
        bad = AudioStart(rate=1, width=2, channels=1).event()
        chunk = AudioChunk(rate=1, width=2, channels=1, audio=bytes(20_000)).event()
        return await asyncio.gather(
            _ask(server, Transcribe().event(), bad, chunk, AudioStop().event(), Describe().event(), until="info"),
            _ask(server, Synthesize(text="Hello there.").event(), until="audio-stop"))

    refused, other = asyncio.run(both())
    assert [e.type for e in refused] == ["error", "info"] and Error.from_event(refused[0]).code == "bad-audio"
    assert other[0].type == "audio-start" and other[-1].type == "audio-stop"


def test_the_length_limit_counts_the_declared_format(server: ThreadedServer) -> None:
    """6 s of 8-bit 8 kHz audio is 48 KB: over the 5 s limit, refused before it is converted."""
    chunks = [AudioChunk(rate=8000, width=1, channels=1, audio=bytes([128]) * 8000).event() for _ in range(6)]
    events = asyncio.run(_ask(server, Transcribe().event(), AudioStart(rate=8000, width=1, channels=1).event(),
                              *chunks, AudioStop().event(), Describe().event(), until="info"))
    assert [e.type for e in events] == ["error", "info"] and Error.from_event(events[0]).code == "too-long"


def test_speech_in_four_channels_at_48_khz_is_mixed_down_and_heard(server: ThreadedServer, tts) -> None:
    from app.speak.tts import resample

    clip = np.concatenate([to_float(c.pcm) for c in tts.synthesize("Turn off the garage light.", steady=True)])
    clip = resample(np.concatenate([np.zeros(4000), clip, np.zeros(8000)]), tts.sample_rate, 48000)
    frames = (np.repeat(clip[:, None], 4, axis=1) * 0.9 * 32767).astype("<i2").tobytes()
    step = 4 * 2 * 1024  # 1,024 frames of four 16-bit channels
    chunks = [AudioChunk(rate=48000, width=2, channels=4, audio=frames[i:i + step]).event()
              for i in range(0, len(frames), step)]
    (answer,) = asyncio.run(_ask(server, Transcribe().event(), AudioStart(rate=48000, width=2, channels=4).event(),
                                 *chunks, AudioStop().event(), until="transcript"))
    assert Transcript.from_event(answer).text.lower().strip(" .") == "turn off the garage light"


# 2. Idle connections are closed, and a flood of them is refused in one line.

async def _closed_within(port: int, send: bytes, timeout: float) -> bool:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(send)
    try:
        return await asyncio.wait_for(reader.read(), timeout) == b""
    except asyncio.TimeoutError:
        return False
    finally:
        writer.close()


def test_an_idle_or_trickling_connection_is_closed(stt, tts, caplog) -> None:
    caplog.set_level(logging.INFO, logger="app.wyoming")
    server = _server(stt, tts, idle_timeout=0.5)
    try:
        assert asyncio.run(_closed_within(_port(server), b"", _SERVED_WITHIN))  # connected, then nothing
        assert asyncio.run(_closed_within(_port(server), b'{"type": "desc', _SERVED_WITHIN))  # half an event
        (info,) = asyncio.run(_ask(server, Describe().event(), until="info"))  # a client that talks is served
    finally:
        server.stop()
    assert sum("sent nothing for" in r.getMessage() for r in caplog.records) == 2
    assert not any(r.exc_info for r in caplog.records)


def test_connections_over_the_limit_are_refused_in_one_line(stt, tts, caplog) -> None:
    caplog.set_level(logging.INFO, logger="app.wyoming")
    server = _server(stt, tts, max_connections=3)

    async def flood() -> tuple[list[dict], Info]:
        kept = []
        for _ in range(3):  # served: each answers a describe before the next connects
            reader, writer = await asyncio.open_connection("127.0.0.1", _port(server))
            await async_write_event(Describe().event(), writer)
            assert json.loads(await asyncio.wait_for(reader.readline(), 10))["type"] == "info"
            kept.append(writer)

        async def extra() -> dict:
            reader, writer = await asyncio.open_connection("127.0.0.1", _port(server))
            header = json.loads(await asyncio.wait_for(reader.readline(), 10))
            header["data"] = json.loads(await reader.readexactly(header["data_length"]))
            assert await asyncio.wait_for(reader.read(), 10) == b""  # and closed
            writer.close()
            return header

        refused = await asyncio.gather(*(extra() for _ in range(40)))
        for writer in kept:
            writer.close()
        deadline = time.monotonic() + 10
        while server.server.open and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        (info,) = await _ask(server, Describe().event(), until="info")
        return refused, Info.from_event(info)

    try:
        refused, info = asyncio.run(flood())
    finally:
        server.stop()
    assert {(r["type"], r["data"]["code"]) for r in refused} == {("error", "busy")} and info.asr
    assert server.server.refused == 40
    assert [r.levelname for r in caplog.records if "refusing more" in r.getMessage()] == ["WARNING"]
    assert not any(r.exc_info for r in caplog.records)


def test_out_of_file_descriptors_is_said_in_one_line(tmp_path) -> None:
    """``hearth wyoming`` with 200 descriptors, 300 idle clients: one line, no tracebacks, and it recovers."""
    import resource
    import signal
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "config.yaml"
    config.write_text(f"home_file: {FIXTURES}\nintents: {{stage: templates}}\n"
                      "wyoming: {max_connections: 5000, idle_timeout: 600}\n")
    log = tmp_path / "wyoming.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--config", str(config), "wyoming", "--uri", f"tcp://127.0.0.1:{port}",
         "--no-zeroconf", "--understanding", "intent"], stdout=log.open("wb"), stderr=subprocess.STDOUT,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200)))

    def wait_for(text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while text not in log.read_text(errors="replace") and time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            time.sleep(0.1)
        return text in log.read_text(errors="replace")

    async def flood() -> Info:
        clients = []
        for _ in range(300):
            try:
                clients.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2))
            except (OSError, asyncio.TimeoutError):
                break  # the listen backlog is full too
        # Out of descriptors, asyncio retries accept() every second: two seconds of retries.
        assert await asyncio.to_thread(wait_for, "accept", 20), log.read_text()
        await asyncio.sleep(2.5)
        for _, writer in clients:
            writer.close()
        async with AsyncTcpClient("127.0.0.1", port) as client:  # served again once descriptors are free
            await client.write_event(Describe().event())
            return Info.from_event(await asyncio.wait_for(client.read_event(), 30))

    try:
        assert wait_for("wyoming ready", 120), log.read_text()
        assert asyncio.run(flood()).asr
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    output = log.read_text(errors="replace")
    assert "Traceback" not in output and output.count("cannot accept connections") == 1, output


# 3. A client that does not read holds up only itself.

def test_a_client_that_does_not_read_blocks_nobody(stt, tts, caplog) -> None:
    caplog.set_level(logging.INFO, logger="app.wyoming")
    server = _server(stt, tts, write_timeout=3)
    long_text = " ".join(f"Light {i} is on." for i in range(150))  # minutes of speech, cut at max_text_length

    async def scene() -> tuple[float, list[Event]]:
        idle = socket.socket()
        idle.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a few sentences
        idle.connect(("127.0.0.1", _port(server)))
        reader, writer = await asyncio.open_connection(sock=idle)
        await async_write_event(Synthesize(text=long_text).event(), writer)  # and never reads
        started = time.monotonic()
        other = await asyncio.wait_for(_ask(server, Synthesize(text="Hello there.").event(), until="audio-stop"),
                                       _SERVED_WITHIN)
        served = time.monotonic() - started
        deadline = time.monotonic() + 30  # dropped after write_timeout, so it is not read yet
        while not any("dropped" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        try:  # what reached it, then the end: closed by the server (a live connection would time out here)
            while await asyncio.wait_for(reader.read(65536), 10):
                pass
        except ConnectionResetError:
            pass  # aborted: the unread rest is thrown away
        writer.close()
        return served, other

    try:
        served, other = asyncio.run(scene())
    finally:
        server.stop()
    assert other[0].type == "audio-start" and other[-1].type == "audio-stop" and served < _SERVED_WITHIN
    assert [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()] == \
        ["Wyoming client left audio-chunk unread for 3 s: dropped"]


# 4. (#29) Home Assistant titles the entry after the first speech-to-text program, and each entity after its own.

def test_home_assistant_names_the_entry_hearth(server: ThreadedServer) -> None:
    (answer,) = asyncio.run(_ask(server, Describe().event(), until="info"))
    info = Info.from_event(answer)
    installed = [p for programs in (info.asr, info.tts, info.intent, info.handle) for p in programs if p.installed]
    assert installed[0] is info.asr[0] and {p.name for p in installed} == {"Hearth"}


def test_chunks_cut_inside_a_frame_are_joined(server: ThreadedServer, tts) -> None:
    """Home Assistant's /api/stt forwards its request body cut at every newline byte, so chunks end inside
    a 16-bit frame (found by the Home Assistant tier): the split frame is joined to the next chunk, and the
    transcript is the one whole chunks give."""
    from tests.conftest import spoken

    pcm = spoken(tts, 0.3, "turn off the kitchen light", 0.5)
    pieces = [piece + b"\n" for piece in pcm.split(b"\n")]
    pieces[-1] = pieces[-1][:-1]
    assert any(len(p) % 2 for p in pieces)  # as Home Assistant sends them
    start = [Transcribe(language="en").event(), AudioStart(rate=16000, width=2, channels=1).event()]

    def heard(chunks: list[bytes]) -> str:
        events = [*start, *(AudioChunk(rate=16000, width=2, channels=1, audio=c).event() for c in chunks),
                  AudioStop().event()]
        got = asyncio.run(_ask(server, *events, until="transcript"))
        return Transcript.from_event(got[-1]).text

    whole = heard([pcm[i:i + 4096] for i in range(0, len(pcm), 4096)])
    assert "kitchen light" in whole.lower() and heard(pieces) == whole
