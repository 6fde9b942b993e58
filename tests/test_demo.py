"""`hearth demo` from the repository, as a newcomer runs it: embedded broker, simulated home."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

from tests.conftest import ROOT


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "app", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=180,
                            env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "simulated home on MQTT broker 127.0.0.1:" in out
    # text -> intent -> MQTT message -> device state after (as reported over MQTT) -> reply
    assert '> "turn on the kitchen lights"' in out
    assert "intent : HassTurnOn (area=Kitchen, domain=light)" in out
    assert 'mqtt   : demo/light/kitchen_ceiling/set {"state": "ON"}' in out
    assert "device : light.kitchen_ceiling is now on" in out
    assert "device : light.living_room_lamp is now on (brightness 40%)" in out
    assert "device : lock.front_door is now locked" in out
    assert "device : light.garage is now off" in out
    # the question after "lock the front door" is answered from the device's reported state
    assert out.index("reply  : Yes") > out.index("device : lock.front_door is now locked")
    assert "reply  : Sorry, I am not aware of any device called sprinklers" in out  # Home Assistant's words (#32)
    # A device by another name, found by meaning, asked about, done on the yes (#34).
    assert 'reply  : Did you mean "switch on the Coffee Maker"? Say yes to go ahead.' in out
    assert "device : switch.coffee_maker is now on" in out
    assert out.rstrip().endswith("Demo finished.")
    assert "Traceback" not in result.stderr
    assert "llama" not in out + result.stderr  # llama.cpp's notes go to the debug log, not the terminal (#32)
    assert result.stderr == ""  # a clean terminal: no library noise
    # Two commands said aloud, heard, carried out and answered; every reply spoken into a file (#32).
    assert '~ said aloud (13-command.wav): "turn off the kitchen lights"' in out
    assert "device : light.kitchen_ceiling is now off" in out
    assert "device : light.bedroom_lamp is now on (color blue, brightness 30%)" in out
    audio = tmp_path / "hearth" / "demo"
    assert f"Replies and spoken commands as audio: {audio}" in out
    replies = sorted(audio.glob("*-reply.wav"))
    assert len(replies) == 14 and len(list(audio.glob("*-command.wav"))) == 2
    for path in replies:
        with wave.open(str(path)) as wav:
            assert wav.getnframes() / wav.getframerate() > 0.3, path.name  # a spoken reply, not an empty file
