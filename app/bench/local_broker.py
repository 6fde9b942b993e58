"""A Mosquitto on loopback, for the satellite benchmark and the tests: port, binary, readiness."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from typing import Optional


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mosquitto_binary() -> Optional[str]:
    """The mosquitto executable (Debian puts it in /usr/sbin), or None."""
    return shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")


def wait_listening(process: "subprocess.Popen[bytes]", port: int, timeout: float = 10.0) -> None:
    """Return once ``port`` accepts connections; RuntimeError if the broker exits or never listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mosquitto exited with status {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("mosquitto did not start listening")
