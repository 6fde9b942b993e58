"""The Wyoming server: listens on a TCP port (or a Unix socket), one handler per client, announced on the LAN.

``hearth wyoming`` runs it in the foreground; ``hearth run`` and ``hearth
hub`` run it on a thread of its own when ``wyoming.enabled`` is set. Home
Assistant's Wyoming integration finds it through zeroconf (``_wyoming._tcp``)
or by host and port. At most ``max_connections`` clients are served at once;
more are refused, and a process out of file descriptors says so in one line
rather than a traceback a second.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import threading
import time
import uuid
from typing import Callable, Optional
from urllib.parse import urlparse

from wyoming.error import Error
from wyoming.event import async_write_event

from app.wyoming.events import MAX_HEADER, Limits
from app.wyoming.handler import HearthEventHandler
from app.wyoming.services import Services

_LOGGER = logging.getLogger(__name__)

#: Seconds between two lines saying the process is out of file descriptors.
_STARVED_EVERY = 60.0


class WyomingError(Exception):
    """The server cannot start (a bad URI, a port in use); one line."""


def _lan_address() -> str:
    """This machine's address on the LAN (the interface a multicast packet would leave by)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("224.0.0.251", 5353))  # mDNS: nothing is sent, only the route is chosen
        return probe.getsockname()[0]


class WyomingServer:
    """Serves every client that connects, each with its own handler."""

    def __init__(self, services: Services, limits: Limits = Limits()) -> None:
        self.services = services
        self.limits = limits
        self.clients = 0
        """Connections served so far."""
        self.open = 0
        """Connections being served now."""
        self.refused = 0
        """Connections refused for ``max_connections`` so far."""
        self._server: Optional[asyncio.AbstractServer] = None
        self._zeroconf = None
        self._full = False  # refusing: said once, until there is room again
        self._starved_said = -math.inf  # when accept() running out of descriptors was last said
        self._previous_handler: Optional[Callable[[asyncio.AbstractEventLoop, dict], object]] = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        limit = self.services.settings.max_connections
        if self.open >= limit:
            await self._refuse(writer, limit)
            return
        if self._full:
            _LOGGER.info("Wyoming server has room again (%d connections refused)", self.refused)
            self._full = False
        self.open += 1
        self.clients += 1
        try:
            await HearthEventHandler(self.services, reader, writer, self.limits).run()
        except asyncio.CancelledError:  # the server is stopping: the connection just ends
            writer.close()
        except Exception:  # one client's failure never stops the server
            _LOGGER.exception("Wyoming client failed")
        finally:
            self.open -= 1

    async def _refuse(self, writer: asyncio.StreamWriter, limit: int) -> None:
        """Say why and close; one log line for a whole flood, not one per connection."""
        self.refused += 1
        if not self._full:
            _LOGGER.warning("Wyoming server serving %d connections (wyoming.max_connections): refusing more", limit)
            self._full = True
        try:
            error = Error(text=f"{limit} connections already: try again later", code="busy").event()
            await asyncio.wait_for(async_write_event(error, writer), 1.0)
        except (OSError, asyncio.TimeoutError):
            writer.transport.abort()  # gone already, or not reading: nothing left to send
        else:
            writer.close()  # the error is with the kernel already: it goes out before the close

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        """asyncio's accept loop out of file descriptors: one line a minute at most (asyncio itself logs a
        traceback every second it retries); everything else as before."""
        if context.get("message") == "socket.accept() out of system resource":
            now = time.monotonic()
            if now - self._starved_said >= _STARVED_EVERY:
                _LOGGER.error("Wyoming server cannot accept connections: %s (retrying every second; said once a "
                              "minute)", context.get("exception"))
                self._starved_said = now
            return
        if self._previous_handler is not None:
            self._previous_handler(loop, context)
        else:
            loop.default_exception_handler(context)

    async def start(self) -> str:
        """Start listening; returns the address it listens on (``tcp://host:port``, the port chosen when 0)."""
        uri = urlparse(self.services.settings.uri)
        loop = asyncio.get_running_loop()
        self._previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._loop_error)
        try:
            if uri.scheme == "tcp" and uri.hostname is not None and uri.port is not None:
                self._server = await asyncio.start_server(self._client, uri.hostname, uri.port, limit=MAX_HEADER)
                host, port = self._server.sockets[0].getsockname()[:2]
                address = f"tcp://{host}:{port}"
            elif uri.scheme == "unix" and uri.path:
                self._server = await asyncio.start_unix_server(self._client, uri.path, limit=MAX_HEADER)
                address = f"unix://{uri.path}"
            else:
                raise WyomingError(f"wyoming.uri {self.services.settings.uri!r}: expected tcp://HOST:PORT or unix://PATH")
        except OSError as err:
            raise WyomingError(f"cannot listen on {self.services.settings.uri}: {err.strerror or err}") from None
        if self.services.settings.zeroconf and uri.scheme == "tcp":
            await self._announce(int(address.rsplit(":", 1)[1]))
        _LOGGER.info("Wyoming server on %s", address)
        return address

    async def _announce(self, port: int) -> None:
        """Zeroconf, as Home Assistant discovers Wyoming services (as ``wyoming.zeroconf`` does, but kept so it
        is withdrawn on close); a LAN without multicast is said, not fatal."""
        try:
            from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

            # By default the MAC address, as Wyoming servers name themselves.
            name = self.services.settings.zeroconf_name or f"{uuid.getnode():012x}"
            host = _lan_address()
            info = AsyncServiceInfo("_wyoming._tcp.local.", f"{name}._wyoming._tcp.local.",
                                    addresses=[socket.inet_aton(host)], port=port)
            self._zeroconf = AsyncZeroconf()
            await self._zeroconf.async_register_service(info)
            _LOGGER.info("Announced on the LAN as %s (%s:%d)", name, host, port)
        except Exception as err:  # no network interface, no multicast: serving by address still works
            _LOGGER.warning("Wyoming server not announced on the LAN: %s", err)

    async def serve_forever(self) -> None:
        """Start, then serve until cancelled."""
        if self._server is None:
            await self.start()
        assert self._server is not None
        async with self._server:
            await self._server.serve_forever()

    async def close(self) -> None:
        """Withdraw the announcement and stop listening."""
        if self._zeroconf is not None:
            await self._zeroconf.async_close()  # unregisters the service
            self._zeroconf = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class ThreadedServer:
    """The server on a thread and event loop of its own, beside ``hearth run`` or ``hearth hub``."""

    def __init__(self, server: WyomingServer) -> None:
        self.server = server
        self.address: Optional[str] = None
        """Where it listens, once started."""
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, name="hearth-wyoming", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self.address = self._loop.run_until_complete(self.server.start())
        except BaseException as err:  # said to the starting thread
            self._error = err
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        self._loop.close()

    def start(self) -> "ThreadedServer":
        """Start and wait until it listens (WyomingError when it cannot)."""
        self._thread.start()
        self._started.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        """Stop listening, end the clients' connections, stop the thread."""
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._thread.join(timeout=10)

    async def _shutdown(self) -> None:
        await self.server.close()
        clients = asyncio.all_tasks() - {asyncio.current_task()}
        for task in clients:
            task.cancel()  # clients still connected
        if clients:  # their cancellation runs to its end (closing their sockets) before the loop closes
            await asyncio.wait(clients, timeout=5)
        asyncio.get_running_loop().call_soon(self._loop.stop)
