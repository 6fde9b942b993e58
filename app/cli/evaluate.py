"""``hearth eval``: run case files through the pipeline, JSON lines out, no MQTT.

Reads the case format of ``shared/eval/README.md`` (``cases:``) and also Home
Assistant's intent test format (``tests:`` with ``sentences``), so the
official conformance suite runs unchanged. When cases carry expectations the
results are scored with Home Assistant's slot rules and summarised.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, TextIO

from app.audio.inputs import AudioError, read_wav, to_float
from app.core.assistant import Assistant
from app.core.failure import InputError
from app.core.understanding import Understanding
from devices.files import read_yaml
from devices.home_assistant import ACTION_INTENTS, TIMER_INTENTS


class CaseError(Exception):
    """A case file that cannot be read; the message is one line."""


@dataclass(frozen=True)
class Case:
    """One utterance to evaluate, with optional expectations."""

    text: Optional[str]
    """Typed text (None for audio cases)."""
    audio: Optional[Path] = None
    """WAV file for audio cases."""
    context: dict[str, Any] = field(default_factory=dict)
    """Where it was heard, e.g. ``{"area": "Kitchen"}``."""
    expected: dict[str, Any] = field(default_factory=dict)
    """Expected intent / slots / targets / data, as given."""
    kind: Optional[str] = None
    """A label grouping cases in the summary ("indirect", "short"...); not an expectation."""


def _case(item: Any, where: str, base: Path) -> Case:
    if not isinstance(item, dict):
        raise CaseError(f"{where}: expected a mapping with 'text' or 'audio'")
    text, audio = item.get("text"), item.get("audio")
    if (text is None) == (audio is None):
        raise CaseError(f"{where}: give exactly one of 'text' or 'audio'")
    if text is not None and not isinstance(text, str):
        raise CaseError(f"{where}: 'text' must be a string")
    context = item.get("context") or {}
    if not isinstance(context, dict):
        raise CaseError(f"{where}: 'context' must be a mapping")
    expected = {k: item[k] for k in ("intent", "slots", "targets", "data") if k in item}
    kind = str(item["kind"]) if item.get("kind") is not None else None
    return Case(text, base / str(audio) if audio is not None else None, context, expected, kind)


def _ha_tests(tests: Any, where: str) -> list[Case]:
    cases = []
    for i, test in enumerate(tests):
        intent = test.get("intent") if isinstance(test, dict) else None
        if not isinstance(intent, dict) or not isinstance(test.get("sentences"), list):
            raise CaseError(f"{where}: tests[{i}]: expected 'sentences' and 'intent'")
        expected = {"intent": intent.get("name"), "slots": intent.get("slots") or {}}
        for sentence in test["sentences"]:
            cases.append(Case(str(sentence), None, dict(intent.get("context") or {}), expected))
    return cases


def case_language(path: str | Path) -> Optional[str]:
    """The ``language:`` a case file declares, or None."""
    data = read_yaml(Path(path), "case file", CaseError)
    language = data.get("language") if isinstance(data, dict) else None
    return str(language) if language else None


def load_cases(path: str | Path) -> list[Case]:
    """Cases from one file in either format."""
    file = Path(path)
    data = read_yaml(file, "case file", CaseError)
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        return [_case(item, f"{file}: cases[{i}]", file.parent) for i, item in enumerate(data["cases"])]
    if isinstance(data, dict) and isinstance(data.get("tests"), list):
        return _ha_tests(data["tests"], str(file))
    raise CaseError(f"{file}: expected a 'cases:' list (or Home Assistant 'tests:')")


def _decide(assistant: Assistant, case: Case, record: dict[str, Any]) -> Optional[Understanding]:
    """Recognise the case; fills transcript and STT time for audio, ``error`` for unusable input."""
    if case.audio is None:
        try:
            # No deadline: the figures must not depend on how busy the machine is (`hearth bench` times it).
            return assistant.understand(assistant.check_text(case.text or ""), case.context, bounded=False)
        except InputError as err:
            record["error"] = str(err)
            return None
    if assistant.stt is None:
        record["error"] = "audio case, but no speech-to-text stage is loaded"
        return None
    try:
        samples = to_float(read_wav(case.audio))
    except AudioError as err:
        record["error"] = str(err)
        return None
    hypotheses = assistant.hear(samples)
    understood = assistant.understand_speech(hypotheses, case.context, bounded=False)
    record["timings_ms"]["stt"] = round(hypotheses.ms, 2)
    record["transcript"] = understood.text
    return understood


def run_case(assistant: Assistant, case: Case) -> dict[str, Any]:
    """One JSON record of the contract; ``total`` runs from the end of the audio to the decision."""
    record: dict[str, Any] = {"text": case.text, "transcript": None, "intent": None, "slots": {},
                              "targets": [], "data": {}, "acted": False, "source": "none",
                              "timings_ms": {"stt": 0.0, "nlu": 0.0, "total": 0.0}}
    start = time.perf_counter()
    understood = _decide(assistant, case, record)
    total = (time.perf_counter() - start) * 1000
    timings = record["timings_ms"]
    timings.update(nlu=round(total - timings["stt"], 2), total=round(total, 2))
    if understood is not None and understood.llm is not None:  # the LLM stage ran (its time is part of nlu)
        timings["llm"] = round(understood.llm.ms, 2)
    decision = understood.decision if understood is not None else None
    if decision is not None and decision.intent is not None:
        record.update(intent=decision.intent, slots=decision.recognition.slots, targets=list(decision.targets),
                      data=decision.data, acted=decision.acts and not understood.doubted,
                      source=decision.recognition.source.value)
    if decision is not None and decision.error:
        record["error"] = decision.error
    if understood is not None and understood.doubted and decision is not None and decision.intent is not None:
        record["asked"] = True  # only asked about ("Did I hear you right?"), done only after a yes
    return record


def slots_match(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Home Assistant's rules: every returned slot expected and equal, every expected slot returned."""
    for name, value in actual.items():
        want = expected.get(name)
        if want is None:
            return False
        options = want if isinstance(want, list) else [want]
        values = value if isinstance(value, list) else [value]
        if not all(v in options for v in values):
            return False
    return all(name in actual for name in expected)


def _data_match(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    def same(a: Any, b: Any) -> bool:
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return abs(a - b) < 1e-6
        return str(a).lower() == str(b).lower()

    return all(k in actual and same(actual[k], v) for k, v in expected.items())


def score(record: dict[str, Any], expected: dict[str, Any]) -> dict[str, bool]:
    """Which expectations the record meets (only those the case gives)."""
    checks: dict[str, bool] = {}
    if "intent" in expected:
        want = expected["intent"]
        checks["intent"] = (not record["acted"]) if want in (None, "none") else record["intent"] == want
    if "slots" in expected:
        checks["slots"] = slots_match(record["slots"], expected["slots"] or {})
    if "targets" in expected:
        checks["targets"] = set(record["targets"]) == set(expected["targets"] or [])
    if "data" in expected:
        checks["data"] = _data_match(record["data"], expected["data"] or {})
    return checks


def _runs_timer(record: dict[str, Any]) -> bool:
    """True when the record would start or change a timer at once: no device, but an action all the same (a
    timer of the wrong length, or a new one for one made longer, is a wrong action). One with a command to
    run later is judged when it runs (its command must be understood then: `app.core.timer_turn`), which
    ``eval`` does not do."""
    return record["intent"] in TIMER_INTENTS - {"HassTimerStatus"} and not record.get("error") \
        and not record.get("asked") and "conversation_command" not in record["slots"]


def verdict(record: dict[str, Any], expected: dict[str, Any]) -> Optional[str]:
    """What one case came to, in the one meaning every bench and test gives it; None where the case
    expects nothing. ``right``: every expectation met, and an action would be carried out at once;
    ``asked``: the expected action, but only asked about ("Did you mean ...?"), never done without a yes;
    ``wrong``: it acted (on a device, or started or changed a timer), and not as expected (also on a remark);
    ``refused``: nothing done otherwise."""
    checks = score(record, expected)
    if not checks:
        return None
    met = all(checks.values())
    if record["acted"] or _runs_timer(record):
        return "right" if met else "wrong"
    asked = not record.get("error") and (bool(record.get("asked")) or (record["intent"] in ACTION_INTENTS
                                                                       and bool(record["targets"])))
    if met and asked and expected.get("intent") not in (None, "none"):
        return "asked"
    return "right" if met else "refused"


@dataclass
class Summary:
    """Counts over scored cases."""

    cases: int = 0
    scored: int = 0
    passed: int = 0
    by_check: dict[str, list[int]] = field(default_factory=dict)
    wrong_actions: int = 0
    """Cases that acted when they should not have, or acted on the wrong thing."""
    asked: int = 0
    """Cases whose expected action was only asked about (not counted right)."""
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    """Per case label: [right, wrong actions, scored]."""

    def add(self, record: dict[str, Any], expected: dict[str, Any], kind: Optional[str] = None) -> bool:
        """Count one case; True when it is right (or expects nothing)."""
        self.cases += 1
        judged = verdict(record, expected)
        if judged is None:
            return True
        self.scored += 1
        for name, ok in score(record, expected).items():
            counts = self.by_check.setdefault(name, [0, 0])
            counts[0] += ok
            counts[1] += 1
        self.passed += judged == "right"
        self.asked += judged == "asked"
        self.wrong_actions += judged == "wrong"
        if kind is not None:
            counts = self.by_kind.setdefault(kind, [0, 0, 0])
            counts[0] += judged == "right"
            counts[1] += judged == "wrong"
            counts[2] += 1
        return judged == "right"

    def table(self) -> str:
        def pct(a: int, b: int) -> str:
            return f"{a:>5}/{b:<5} {100 * a / b:6.1f}%" if b else "    -"

        lines = [f"{'check':<14}{'correct':>20}"]
        lines += [f"{name:<14}{pct(*counts):>20}" for name, counts in self.by_check.items()]
        lines.append(f"{'all':<14}{pct(self.passed, self.scored):>20}")
        lines.append(f"{'asked first':<14}{pct(self.asked, self.scored):>20}")
        lines.append(f"{'wrong actions':<14}{pct(self.wrong_actions, self.scored):>20}")
        if self.by_kind:
            lines.append(f"{'kind':<14}{'right':>20}{'wrong':>10}")
            lines += [f"{kind:<14}{pct(right, n):>20}{wrong:>10}" for kind, (right, wrong, n) in self.by_kind.items()]
        return "\n".join(lines)


def evaluate(assistant: Assistant, cases: Iterable[Case], out: TextIO) -> Summary:
    """Write one JSON line per case to ``out``, in input order."""
    summary = Summary()
    for case in cases:
        record = run_case(assistant, case)
        out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        summary.add(record, case.expected, case.kind)
    out.flush()
    return summary
