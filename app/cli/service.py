"""Running under systemd: the unit file, install/uninstall, readiness and watchdog.

Notifications use the datagram socket systemd names in ``$NOTIFY_SOCKET``
(what ``sd_notify`` does), so no extra library is needed; outside systemd
they are silently skipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

UNIT_NAME = "hearth.service"

#: The unit of each command that runs as a service; `hearth run` keeps the plain name.
UNIT_NAMES = {"run": UNIT_NAME, "hub": "hearth-hub.service", "wyoming": "hearth-wyoming.service"}

UNIT_TEMPLATE = """[Unit]
Description=Hearth private voice assistant
Documentation=file://{readme}
After=network-online.target sound.target
Wants=network-online.target

[Service]
Type=notify
NotifyAccess=main
User={user}
SupplementaryGroups=audio
ExecStart={executable} --config {config} {command}
Restart=on-failure
RestartSec=5
{watchdog}# Secrets such as HEARTH_MQTT_PASSWORD go here, readable by root only.
EnvironmentFile=-/etc/hearth/hearth.env
Environment=HF_HUB_OFFLINE=1
# Timers and taught phrases in /var/lib/hearth, joined models in /var/cache/hearth: the
# only places the service writes (the system user has no home, and the rest is read-only).
StateDirectory=hearth
CacheDirectory=hearth
Environment=XDG_STATE_HOME=/var/lib XDG_DATA_HOME=/var/lib XDG_CACHE_HOME=/var/cache
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=true
StandardOutput=journal
StandardError=journal

[Install]
WantedBy=multi-user.target
"""


class ServiceError(Exception):
    """The service cannot be installed or removed; one line."""


def notify(message: str) -> bool:
    """Send ``READY=1``, ``WATCHDOG=1``, ``STOPPING=1``... to systemd; False outside systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            # Never wait: a reader that falls behind (its queue holds ten datagrams) would stall the loop.
            sock.sendto(message.encode(), socket.MSG_DONTWAIT, address)
    except OSError:  # BlockingIOError included: a missed ping is better than a stalled service
        return False
    return True


class Watchdog:
    """Pings systemd's watchdog at half the interval it asked for (``$WATCHDOG_USEC``)."""

    def __init__(self) -> None:
        usec = os.environ.get("WATCHDOG_USEC", "")
        self.interval: Optional[float] = int(usec) / 2e6 if usec.isdigit() and int(usec) > 0 else None
        self._next = time.monotonic()

    def tick(self) -> None:
        """Call often (every audio frame): pings when due, and only while the loop is alive."""
        if self.interval is not None and time.monotonic() >= self._next:
            notify("WATCHDOG=1")
            self._next = time.monotonic() + self.interval


def unit_text(config: Path, user: str, executable: str, command: str = "run") -> str:
    """The unit file for this installation of ``command``. Only ``hearth run`` pings the watchdog (from
    its audio loop, whose stall it is there to catch); the others are restarted when they exit."""
    readme = Path(__file__).resolve().parents[2] / "README.md"
    watchdog = "WatchdogSec=30\n" if command == "run" else ""
    return UNIT_TEMPLATE.format(readme=readme, user=user, executable=executable, config=config, command=command,
                                watchdog=watchdog)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hearth service``."""
    parser.add_argument("action", choices=("install", "uninstall"))
    parser.add_argument("--user", default="hearth", help="system user the service runs as (created if missing)")
    parser.add_argument("--unit-dir", default="/etc/systemd/system", help="where the unit file goes")
    parser.add_argument("--no-enable", action="store_true", help="write the unit only; do not run systemctl")
    parser.add_argument("--no-user", action="store_true", help="do not create the system user")
    parser.add_argument("--runs", dest="unit_command", choices=tuple(UNIT_NAMES), default="run",
                        help="what the service runs: run (default), hub, or wyoming (a unit each)")


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise ServiceError(f"{command[0]} not found: is this a systemd system?") from None
    except subprocess.CalledProcessError as err:
        raise ServiceError(f"{' '.join(command)} failed: {err.stderr.strip() or err.returncode}") from None


def install(args: argparse.Namespace, config: Optional[Path]) -> list[str]:
    """Write and (unless told not to) enable the unit; returns what was done."""
    if config is None:
        raise ServiceError("the service needs a configuration file: pass --config /etc/hearth/config.yaml")
    executable = shutil.which("hearth") or f"{sys.executable} -m app"
    name = UNIT_NAMES[args.unit_command]
    unit = Path(args.unit_dir) / name
    done = []
    if not args.no_user and shutil.which("useradd") and subprocess.run(["id", args.user], capture_output=True).returncode:
        _run(["useradd", "--system", "--no-create-home", "--groups", "audio", args.user])
        done.append(f"created system user {args.user}")
    try:
        unit.write_text(unit_text(config.resolve(), args.user, executable, args.unit_command),
                        encoding="utf-8")
    except OSError as err:
        raise ServiceError(f"{unit}: cannot write the unit file: {err.strerror}") from None
    done.append(f"wrote {unit}")
    if not args.no_enable:
        _run(["systemctl", "daemon-reload"])
        _run(["systemctl", "enable", "--now", name])
        done.append(f"enabled and started {name}")
    return done


def uninstall(args: argparse.Namespace) -> list[str]:
    """Stop, disable and remove the unit; returns what was done."""
    name = UNIT_NAMES[args.unit_command]
    unit = Path(args.unit_dir) / name
    done = []
    if not args.no_enable:
        _run(["systemctl", "disable", "--now", name])
        done.append(f"stopped and disabled {name}")
    if unit.exists():
        unit.unlink()
        done.append(f"removed {unit}")
    if not args.no_enable:
        _run(["systemctl", "daemon-reload"])
    return done
