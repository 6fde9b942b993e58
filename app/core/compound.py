"""Two or three commands in one sentence ("turn on the porch light and lock the front door").

Only when neither the templates nor a taught phrase read the whole sentence (a name said in part or
the LLM stage reads one command of it at best): it is cut at the language's conjunctions
(``Vocabulary.conjunctions``), and every clause must be understood on its own as a command that
acts or a timer; otherwise nothing is done (one clause misread would act wrongly). A name with a
conjunction in it ("Salt and Pepper Lamp") is understood whole first, so it is never cut.
"""

from __future__ import annotations

import itertools
import re
from typing import Callable, Iterable, Optional

from app.core.failure import Failure
from app.core.outcome import Outcome
from app.core.understanding import Understanding
from intents.vocabulary import Vocabulary

#: Clauses at most: each is understood on its own, and every way to cut is tried.
MOST_CLAUSES = 3


def _cut_points(text: str, vocab: Vocabulary) -> list[tuple[int, int]]:
    """Where a conjunction stands in ``text``, as (start, end); whole words in a language with spaces."""
    if not vocab.conjunctions:
        return []
    phrases = sorted(vocab.conjunctions, key=len, reverse=True)  # "and then" before "and"
    before, after = (r"(?<!\w)", r"(?!\w)") if vocab.word_joiner else ("", "")
    pattern = re.compile(before + "(?:" + "|".join(map(re.escape, phrases)) + ")" + after, re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _clauses(text: str, cuts: Iterable[tuple[int, int]]) -> list[str]:
    pieces, last = [], 0
    for start, end in cuts:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return [piece.strip(" ,;，、") for piece in pieces]


def _acts(understood: Understanding) -> bool:
    decision = understood.decision
    # A clause to be asked about (found by meaning only, or doubted) is no clause that acts at once.
    return understood.choice is None and understood.failure is None and not understood.doubted and (
        decision.acts or decision.timer)


def split(text: str, vocab: Vocabulary, understand: Callable[[str], Understanding],
          whole: Callable[[], bool]) -> Optional[list[Understanding]]:
    """The clauses of ``text``, each understood as a command, or None when it is not one per clause or
    ``whole()`` says the sentence is read whole (by the templates or a taught phrase)."""
    points = _cut_points(text, vocab)
    if not points or whole():
        return None
    read: dict[str, Understanding] = {}  # a clause comes back in other cuts ("a" of "a and b and c")
    for count in range(min(len(points), MOST_CLAUSES - 1), 0, -1):
        for cuts in itertools.combinations(points, count):
            clauses = _clauses(text, cuts)
            if not all(clauses):
                continue
            understood = [read[c] if c in read else read.setdefault(c, understand(c)) for c in clauses]
            if all(_acts(part) for part in understood):
                return understood
            failed = [p for p in understood if p.decision.intent is not None and p.decision.error is not None]
            if failed and any(_acts(part) for part in understood):
                # A command of it cannot be done ("... and dim the desk lamp" in a home without one): the
                # whole is refused with its reason, rather than read some other way and done in part.
                return failed[:1]
    return None


def carry(text: str, clauses: list[Understanding], finish: Callable[[Understanding], Outcome],
          vocab: Vocabulary) -> Outcome:
    """Each clause carried out by ``finish``, in order, until one fails; one outcome for them all."""
    done: list[Outcome] = []
    for clause in clauses:
        if done and done[-1].failed:
            break
        done.append(finish(clause))
    return merged(text, done, vocab)


def merged(text: str, outcomes: list[Outcome], vocab: Vocabulary) -> Outcome:
    """One outcome for a sentence of several commands: each reply said (joined as the language's
    ``then`` reply joins two), every message, the first failure (a question asked back last, so that
    the answer reaches it)."""
    failures = [o.failure for o in outcomes if o.failure is not None]
    asking = [f for f in failures if f in (Failure.NEEDS_CONFIRMATION, Failure.NEEDS_CHOICE)]
    timings = {stage: sum(o.timings_ms.get(stage, 0.0) for o in outcomes)
               for stage in {s for o in outcomes for s in o.timings_ms}}
    reply = ""
    for said in (o.reply for o in outcomes if o.reply):
        reply = vocab.replies["then"].format(first=reply.rstrip(vocab.clause_marks), then=said) if reply else said
    return Outcome(text, outcomes[0].decision, reply,
                   tuple(m for o in outcomes for m in o.messages), all(o.published for o in outcomes if o.messages),
                   asking[-1] if asking else (failures[0] if failures else None), timings)
