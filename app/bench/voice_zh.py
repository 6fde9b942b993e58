"""How well people can follow Hearth's Chinese: every reply spoken by the voice, heard back (#31).

The replies are Home Assistant's zh-CN responses as its conformance tests fill
them (the responses Hearth gives to those commands) and Hearth's own Chinese
replies that name nothing. (Home Assistant's English timer status and the joining word "和" are left
out.) Each is spoken by the service's default Mandarin
voice (or ``--voice``), transcribed by the multilingual Whisper without a
prompt, and compared in tone-less pinyin syllables (homophones are no error;
digits and percentages read as words first). Also: the time to the first
audio of each reply and the memory of the process with speech-to-text and the
voice loaded. Run:

    python -m app.bench.voice_zh --json out.json [--voice espeak:cmn-latn-pinyin] [--other]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any, Optional

import yaml
from pypinyin import lazy_pinyin
from rapidfuzz.distance import Levenshtein

from app.audio.inputs import SAMPLE_RATE, to_float
from app.bench.clips import pad
from app.speak.tts import TextToSpeech, TtsSettings, resample
from app.stt.speech_to_text import SpeechToText, SttSettings
from intents.templates import spell_digits
from intents.vocabulary import vocabulary

TESTS = Path(__file__).resolve().parents[2] / "tests" / "data" / "ha_intents_zh_cn"


def replies(tests: Path = TESTS) -> list[str]:
    """Home Assistant's filled zh-CN responses and Hearth's own Chinese replies without a placeholder."""
    found: dict[str, None] = {}
    for path in sorted(tests.glob("[!_]*.yaml")):
        for test in yaml.safe_load(path.read_text(encoding="utf-8")).get("tests", []):
            if isinstance(test.get("response"), str) and test["response"].strip():
                found[test["response"].strip()] = None
    vocab = vocabulary("zh-cn")
    for key, text in vocab.replies.items():
        if "{" not in text and text.strip() and key != "and":  # "和" joins names; it is no reply
            found[text.strip()] = None
    # Home Assistant's zh-CN timer status is English upstream: no Chinese to hear.
    return [text for text in found if not re.search(r"[A-Za-z]", text)]


def syllables(text: str) -> list[str]:
    """Tone-less pinyin of the words of ``text``; 30% is 百分之三十, digits are read in characters."""
    text = re.sub(r"(\d+(?:\.\d+)?)\s*%", r"百分之\1", text)
    text = re.sub(r"(\d+)[.:：](\d\d)(?=分|$)", r"\1点\2", text)  # 1.02分, 1:02 as 1点02
    text = re.sub(r"点0(\d)", r"点零\1", text)  # the minutes' zero is said
    text = spell_digits(text, "zh-cn")
    return [s for s in lazy_pinyin(re.sub(r"[^\u4e00-\u9fff]", "", text))]


def heard_back(stt: SpeechToText, pcm: bytes, rate: int) -> str:
    """What the multilingual Whisper, unprompted, hears in spoken audio (silence around it, as a microphone)."""
    return next(iter(stt.hypotheses(pad(resample(to_float(pcm), rate, SAMPLE_RATE)))), "")


def syllable_errors(said: str, heard: str) -> int:
    """Tone-less syllables of ``said`` that ``heard`` gets wrong (edits between the two pinyin sequences)."""
    return Levenshtein.distance(syllables(said), syllables(heard))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(voice: Optional[str], texts: Optional[list[str]] = None) -> dict[str, Any]:
    tts = TextToSpeech(TtsSettings(voice=voice), "zh-cn").load()
    stt = SpeechToText(SttSettings(), "zh-cn").load()
    rss = _rss_mb()
    rows, firsts = [], []
    errors = total = 0
    for reply in replies() if texts is None else texts:
        started = time.perf_counter()
        chunks = tts.synthesize(reply)
        first = next(chunks)
        firsts.append((time.perf_counter() - started) * 1000)
        pcm = first.pcm + b"".join(c.pcm for c in chunks)
        heard = heard_back(stt, pcm, first.sample_rate)
        wrong, count = syllable_errors(reply, heard), len(syllables(reply))
        errors, total = errors + wrong, total + count
        rows.append({"reply": reply, "heard": heard, "syllables": count, "wrong": wrong})
    firsts.sort()
    return {
        "voice": voice or "default", "replies": len(rows), "syllable_error_rate": round(errors / max(1, total), 4),
        "heard_exactly": sum(r["wrong"] == 0 for r in rows),
        "first_audio_ms": {"p50": round(statistics.median(firsts), 1),
                           "p95": round(firsts[int(0.95 * (len(firsts) - 1))], 1), "max": round(firsts[-1], 1)},
        "rss_mb_with_stt_and_voice": round(max(rss, _rss_mb()), 1),
        "worst": sorted(rows, key=lambda r: -r["wrong"] / max(1, r["syllables"]))[:10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voice", default=None, help="tts.voice to measure (default: the language's)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--other", action="store_true",
                        help="the second set (app.bench.replies_zh: the templates filled with the demo home), not tuned on")
    args = parser.parse_args()
    texts = None
    if args.other:
        from app.bench.replies_zh import other_replies

        texts = other_replies()
    text = json.dumps(run(args.voice, texts), indent=1, ensure_ascii=False)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
