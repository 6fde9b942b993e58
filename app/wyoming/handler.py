"""One Wyoming connection: its events in, Hearth's answers out.

The state of a connection is its own (an audio stream being transcribed, a
text being synthesised as it streams in); the models are shared through
:class:`Services`, called off the event loop so one client's transcription
never stalls another's ``describe``. A malformed event is answered with an
``error`` event and logged; the connection goes on when the stream is still
in step, and is closed when it is not. A client that sends nothing for
``idle_timeout`` is closed; one that leaves an answer unread for
``write_timeout`` is dropped, so it holds up nobody but itself.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Optional

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Describe
from wyoming.intent import Recognize
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
)

from app.audio.inputs import SAMPLE_RATE
from app.core.failure import InputError
from app.wyoming.audio import AudioRefused, Utterance, check_format
from app.wyoming.events import EventError, Limits, read_event
from app.wyoming.services import Services

_LOGGER = logging.getLogger(__name__)

#: Where a streamed text may be cut and spoken while the rest still arrives.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


class SlowClient(Exception):
    """The client left an answer unread for longer than ``write_timeout``."""


class HearthEventHandler:
    """Answers one client's events until it disconnects."""

    def __init__(self, services: Services, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 limits: Limits = Limits()) -> None:
        self.services = services
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self._audio: Optional[Utterance] = None  # an utterance being received for transcription
        self._streamed: Optional[str] = None  # text of a streamed synthesis not yet spoken
        self._dropping = False  # the rest of a refused audio stream is let through unread

    async def write(self, event: Event) -> None:
        """Send one event; SlowClient when the client leaves it unread for ``write_timeout``."""
        timeout = self.services.settings.write_timeout
        try:
            await asyncio.wait_for(async_write_event(event, self.writer), timeout)
        except asyncio.TimeoutError:
            raise SlowClient(f"left {event.type} unread for {timeout:.0f} s") from None

    async def refuse(self, message: str, code: str) -> None:
        _LOGGER.warning("Wyoming client: %s", message)
        await self.write(Error(text=message, code=code).event())

    async def run(self) -> None:
        """Read and answer events until the client goes, idles, stops reading, or the stream is out of step."""
        idle = self.services.settings.idle_timeout
        try:
            while True:
                try:
                    # A whole event within the timeout: an idle or trickling client is not kept open.
                    event = await asyncio.wait_for(read_event(self.reader, self.limits), idle)
                except asyncio.TimeoutError:
                    _LOGGER.info("Wyoming client sent nothing for %.0f s: closed", idle)
                    return
                except EventError as err:
                    await self.refuse(str(err), "bad-event")
                    if err.in_step:
                        continue
                    return
                if event is None:
                    return
                try:
                    await self.handle(event)
                except AudioRefused as err:
                    self._audio, self._dropping = None, True  # one error a stream: the rest is let through
                    await self.refuse(str(err), err.code)
                except (KeyError, TypeError, ValueError, AttributeError) as err:
                    await self.refuse(f"malformed {event.type} event: {err!r}", "bad-event")
                except InputError as err:
                    await self.refuse(str(err), "bad-input")
                except (ConnectionError, SlowClient):
                    raise
                except Exception as err:  # a model that failed on this request: said, and the connection goes on
                    _LOGGER.exception("Wyoming %s event failed", event.type)
                    await self.write(Error(text=f"{event.type} failed: {err}", code="failed").event())
        except SlowClient as err:
            _LOGGER.warning("Wyoming client %s: dropped", err)
            self.writer.transport.abort()  # close() would wait for the unread data to be sent, i.e. forever
        except ConnectionError:
            pass
        finally:
            self.writer.close()

    async def handle(self, event: Event) -> None:
        """One event."""
        if Describe.is_type(event.type):
            await self.write(self.services.describe().event())
        elif Transcribe.is_type(event.type):
            Transcribe.from_event(event)
            self._audio, self._dropping = self._utterance(), False
        elif AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            if self._audio is None and not self._dropping:
                self._audio = self._utterance()  # a client may skip "transcribe"
            check_format(start.rate, start.width, start.channels)
        elif AudioChunk.is_type(event.type):
            await self._chunk(AudioChunk.from_event(event))
        elif AudioStop.is_type(event.type):
            await self._transcribe()
        elif SynthesizeStart.is_type(event.type):
            SynthesizeStart.from_event(event)
            self._streamed = ""
        elif SynthesizeChunk.is_type(event.type):
            await self._stream_text(SynthesizeChunk.from_event(event).text)
        elif SynthesizeStop.is_type(event.type):
            await self._stream_text("", final=True)
        elif Synthesize.is_type(event.type):
            synthesize = Synthesize.from_event(event)
            if self._streamed is None:  # inside a stream the same text comes again in one piece: not twice
                await self._speak(synthesize.text)
        elif Transcript.is_type(event.type) or Recognize.is_type(event.type):
            await self._understand(str(event.data["text"]), event.data.get("context"))
        else:
            _LOGGER.debug("Wyoming event %s ignored", event.type)

    def _utterance(self) -> Utterance:
        return Utterance(self.services.settings.max_audio_seconds)

    async def _chunk(self, chunk: AudioChunk) -> None:
        if self._dropping:
            return
        if self._audio is None:
            raise ValueError("audio chunk outside an audio stream")
        self._audio.add(chunk)  # AudioRefused for a format out of bounds or too much audio

    async def _transcribe(self) -> None:
        audio, self._audio, self._dropping = self._audio, None, False
        if audio is None:
            return  # refused already, or nothing was sent
        transcript = await asyncio.to_thread(self.services.transcribe, bytes(audio.pcm))
        await self.write(transcript.event())

    async def _stream_text(self, text: str, final: bool = False) -> None:
        if self._streamed is None:
            raise ValueError("synthesize chunk outside a synthesis stream")
        pieces = _SENTENCE_END.split(self._streamed + text)
        done, self._streamed = (pieces, None) if final else (pieces[:-1], pieces[-1])
        for sentence in done:
            if sentence.strip():
                await self._speak(sentence)  # each sentence as soon as it is complete
        if final:
            await self.write(SynthesizeStopped().event())

    async def _speak(self, text: str) -> None:
        """Stream the voice's audio: audio-start, chunks as they are made, audio-stop."""
        rate = self.services.tts.sample_rate if self.services.tts is not None else SAMPLE_RATE
        await self.write(AudioStart(rate=rate, width=2, channels=1).event())
        chunks = self.services.synthesize(text)
        try:
            while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
                await self.write(AudioChunk(rate=chunk.sample_rate, width=2, channels=1, audio=chunk.pcm).event())
        finally:
            try:
                chunks.close()  # a client that left or was dropped: its text is not synthesised on
            except ValueError:
                pass  # cancelled while a chunk is made on its thread (the server stopping): it ends there
        await self.write(AudioStop().event())

    async def _understand(self, text: str, context: Optional[dict[str, Any]]) -> None:
        answer = await asyncio.to_thread(self.services.understand, text, context, self._conversation(context))
        await self.write(answer)

    def _conversation(self, context: Optional[dict[str, Any]]) -> str:
        """Which conversation a text belongs to: Home Assistant's conversation id, else the client's
        address (a client that names none still never answers another client's question)."""
        named = context.get("conversation_id") if isinstance(context, dict) else None
        if isinstance(named, str) and named:
            return f"wyoming:{named}"
        peer = self.writer.get_extra_info("peername")
        return f"wyoming@{peer[0] if isinstance(peer, tuple) else peer}"
