"""The room bench's effects (app/bench/rooms.py): drawn as the issue's outside set describes its own."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest

from app.bench.rooms import PITCH_CENTS, SNR_DB, TEMPO, coloured_noise, draw, in_room

pytestmark = pytest.mark.fast


def test_rooms_are_drawn_in_the_ranges_and_shares_asked() -> None:
    rooms = [draw(random.Random(n)) for n in range(600)]
    assert all(TEMPO[0] <= r["tempo"] <= TEMPO[1] and PITCH_CENTS[0] <= r["pitch"] <= PITCH_CENTS[1] for r in rooms)
    assert 0.42 < sum(r["reverb"] for r in rooms) / 600 < 0.58  # reverb on half
    noisy = [r for r in rooms if "noise" in r]
    assert 0.6 < len(noisy) / 600 < 0.73 and all(SNR_DB[0] <= r["snr"] <= SNR_DB[1] for r in noisy)
    assert {r["noise"] for r in noisy} == {"pinknoise", "brownnoise"}


def test_coloured_noise_has_unit_power_and_falls_with_frequency() -> None:
    rng = np.random.default_rng(1)
    for kind, slope in (("pinknoise", 1.0), ("brownnoise", 2.0)):
        noise = coloured_noise(1 << 15, kind, rng)
        assert abs(float(np.mean(noise ** 2)) - 1.0) < 1e-3
        power = np.abs(np.fft.rfft(noise)) ** 2
        low, high = power[10:100].mean(), power[1000:10000].mean()
        assert low / high > 10 ** (slope * 0.8)  # a decade and more down, as 1/f or 1/f²


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed (apt-get install sox)")
def test_a_room_changes_the_length_by_its_tempo_and_adds_the_noise_asked() -> None:
    tone = (0.3 * np.sin(np.arange(16000) * 2 * np.pi * 220 / 16000)).astype(np.float32)
    room = {"tempo": 1.15, "pitch": 200, "reverb": True, "noise": "pinknoise", "snr": 15.0}
    out = in_room(tone, room, seed=3)
    padded = 16000 + int(1.0 * 16000)  # the clip and its silence around it
    assert abs(len(out) - padded / 1.15) < 0.08 * padded and np.isfinite(out).all()
    silence = out[-2000:]  # the end pad: only noise there
    assert float(np.mean(silence ** 2)) > 1e-5
    assert np.array_equal(out, in_room(tone, room, seed=3))  # the same room sounds the same every time
