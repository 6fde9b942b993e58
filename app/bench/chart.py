"""A PNG chart of `hearth bench` latencies (matplotlib, installed with the `bench` extra)."""

from __future__ import annotations

from typing import Any

from app.audio.inputs import AudioError


def latency_chart(report: dict[str, Any], path: str) -> None:
    """Bars of p50 and p95 per stage, Hearth beside faster-whisper's default path."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise AudioError("--png needs matplotlib: pip install 'hearth[bench]'") from None
    stages = [("speech-to-text", report["stt_ms"]), ("intent", report["nlu_ms"]),
              ("end of speech\nto decision", report["end_of_speech_to_decision_ms"]),
              ("default 30 s\n+ hassil", report["baseline_30s_window_ms"]),
              ("decision to\nfirst audio", report["tts"]["first_audio_ms"])]
    positions = range(len(stages))
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    axes.bar([p - 0.2 for p in positions], [s[1]["p50"] for s in stages], 0.4, label="p50")
    axes.bar([p + 0.2 for p in positions], [s[1]["p95"] for s in stages], 0.4, label="p95")
    axes.set_xticks(list(positions), [s[0] for s in stages])
    axes.set_ylabel("milliseconds")
    axes.set_title(f"Hearth bench: {report['clips']} spoken commands, {100 * report['accuracy']:.0f}% right action")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
