"""``hearth bench --wyoming``: transcription and synthesis over the Wyoming socket, against the same calls in process.

A Wyoming server is started on a free local port over the loaded models;
each command clip is transcribed in process and then over the socket (time
from the last audio event sent to the transcript received), and each reply
is synthesised both ways (time to the first audio chunk, and to the end).
"""

from __future__ import annotations

import asyncio
import resource
import time
from typing import Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.tts import Synthesize

from app.bench.bench import stats
from app.bench.clips import command_clip
from app.config import Settings
from app.core.assistant import Assistant
from app.speak.tts import TextToSpeech
from app.stt.speech_to_text import SpeechToText
from app.wyoming.server import ThreadedServer, WyomingServer
from app.wyoming.services import Services
from devices.registry import Home

#: Audio is sent as Home Assistant sends it: small chunks (1,024 samples of 16 kHz 16-bit).
_CHUNK_BYTES = 2048


async def _transcribe(port: int, pcm: bytes) -> tuple[str, float]:
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcribe().event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        for i in range(0, len(pcm), _CHUNK_BYTES):
            await client.write_event(AudioChunk(rate=16000, width=2, channels=1, audio=pcm[i:i + _CHUNK_BYTES]).event())
        started = time.perf_counter()
        await client.write_event(AudioStop().event())
        while (event := await client.read_event()) is not None and not Transcript.is_type(event.type):
            pass
        return (Transcript.from_event(event).text if event else ""), (time.perf_counter() - started) * 1000


async def _synthesize(port: int, text: str) -> tuple[float, float]:
    async with AsyncTcpClient("127.0.0.1", port) as client:
        started, first = time.perf_counter(), None
        await client.write_event(Synthesize(text=text).event())
        while (event := await client.read_event()) is not None and not AudioStop.is_type(event.type):
            if first is None and AudioChunk.is_type(event.type):
                first = time.perf_counter()
        done = time.perf_counter()
        return ((first or done) - started) * 1000, (done - started) * 1000


def _in_process_synthesis(services: Services, text: str) -> tuple[float, float]:
    started, first = time.perf_counter(), None
    for _ in services.synthesize(text):
        first = first or time.perf_counter()
    done = time.perf_counter()
    return ((first or done) - started) * 1000, (done - started) * 1000


def bench_wyoming(settings: Settings, home: Home, commands: list[str], replies: list[str]) -> dict[str, Any]:
    """The figures: p50/p95/max per path, and whether both paths heard the same."""
    stt = SpeechToText(settings.stt, settings.intents.language).load()
    tts = TextToSpeech(settings.tts, settings.intents.language).load()
    wyoming = settings.wyoming.model_copy(update={"uri": "tcp://127.0.0.1:0", "zeroconf": False})
    services = Services(Assistant(settings, home, stt=stt), tts, wyoming)
    server = ThreadedServer(WyomingServer(services)).start()
    port = int(str(server.address).rsplit(":", 1)[1])
    local_stt, socket_stt, local_tts, socket_tts, same = [], [], [], [], 0
    try:
        services.transcribe(command_clip(commands[0], tts))  # warm both models once, outside the figures
        _in_process_synthesis(services, replies[0])
        for i, text in enumerate(commands):  # the two paths take turns, so neither gets the warmer machine
            pcm = command_clip(text, tts, seed=i)
            started = time.perf_counter()
            here = services.transcribe(pcm).text
            local_stt.append((time.perf_counter() - started) * 1000)
            there, ms = asyncio.run(_transcribe(port, pcm))
            socket_stt.append(ms)
            same += here == there
        for text in replies:
            socket_tts.append(asyncio.run(_synthesize(port, text)))
            local_tts.append(_in_process_synthesis(services, text))
    finally:
        server.stop()
    return {
        "commands": len(commands), "replies": len(replies), "same_transcript": f"{same}/{len(commands)}",
        "transcribe_in_process_ms": stats(local_stt), "transcribe_over_wyoming_ms": stats(socket_stt),
        "first_audio_in_process_ms": stats([f for f, _ in local_tts]),
        "first_audio_over_wyoming_ms": stats([f for f, _ in socket_tts]),
        "synthesis_in_process_ms": stats([t for _, t in local_tts]),
        "synthesis_over_wyoming_ms": stats([t for _, t in socket_tts]),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def wyoming_table(figures: dict[str, Any]) -> str:
    """The figures as a table."""
    rows = [f"{figures['commands']} commands, {figures['replies']} replies; same transcript both ways: "
            f"{figures['same_transcript']}", f"{'':30} {'p50':>8} {'p95':>8} {'max':>8}"]
    for key in ("transcribe_in_process_ms", "transcribe_over_wyoming_ms", "first_audio_in_process_ms",
                "first_audio_over_wyoming_ms", "synthesis_in_process_ms", "synthesis_over_wyoming_ms"):
        s = figures[key]
        rows.append(f"{key:30} {s['p50']:8.1f} {s['p95']:8.1f} {s['max']:8.1f}")
    rows.append(f"peak RSS {figures['peak_rss_mb']} MB")
    return "\n".join(rows)
