"""Choosing what was said when no transcript parses: repaired variants, judged by the audio.

Speech-to-text's own best guess is often a near miss ("turn the kitchen lights
up", "the activate kitchen lights"). Variants of the first transcripts that
the templates parse are collected (cheapest repairs first, within a time
budget), each with its opposite direction ("off" for "on", "close" for
"open"), because a misheard direction is the costliest mistake. Then the
speech model scores every candidate against the audio, and the best one is
taken only when the audio supports it nearly as well as what was heard: a
non-command must not turn into a command by repair alone.
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, replace
from typing import Callable, Optional, Protocol, Union, runtime_checkable

from app.stt.settings import RescoreSettings
from devices.decision import Decision
from intents.repair import Repair
from intents.vocabulary import Vocabulary

_LOGGER = logging.getLogger(__name__)

@runtime_checkable
class Scored(Protocol):
    """Speech-to-text hypotheses that can score texts against their audio (`app.stt.Hypotheses`)."""

    def likelihoods(self, texts: list[str]) -> list[float]: ...




class Repairer(Protocol):
    """What proposes repaired variants of a transcript: by the sound of words
    (`intents.repair.WordRepairer`) or by characters read alike (`intents.homophones`)."""

    vocab: Vocabulary

    def variants(self, text: str, limit: int = 400) -> list[Repair]: ...


@dataclass(frozen=True)
class Candidate:
    """A parsed variant and how well the audio supports it."""

    text: str
    """The variant."""
    decision: Decision
    """What the templates make of it."""
    cost: float = 0.0
    """How much repair it took (`intents.repair.Repair.cost`)."""
    score: float = 0.0
    """Log-probability of the text given the audio."""
    heard: bool = False
    """Found in the audio by decoding constrained to the templates (`intents.repair.Repair.heard`)."""


@dataclass(frozen=True)
class TooClose:
    """Two readings that do opposite things fit the audio alike, and no transcript said which: nothing heard
    may be acted on, by the repair or by anything that reads the transcript after it (the log says why)."""


def opposites(text: str, vocab: Vocabulary) -> list[str]:
    """``text`` with one direction word reversed, each way it can be ("turn on" -> "turn off")."""
    words = text.split()
    twins = [" ".join([*words[:i], other, *words[i + 1:]]) for i, word in enumerate(words)
             for other in vocab.opposite.get(word, ())]
    return list(dict.fromkeys(twins))


def prefix_twins(text: str, vocab: Vocabulary) -> list[str]:
    """``text`` with each direction word whose opposite only adds or drops a prefix reversed ("lock" ->
    "unlock"), also with the word before it taken for the prefix ("then lock" -> "unlock"): a tiny
    speech model hears a short prefix poorly, or as a word of its own."""
    words = vocab.words(text)
    twins = []
    for i, word in enumerate(words):
        for other in vocab.opposite.get(word, ()):
            if other.endswith(word) or word.endswith(other):
                twins.append(" ".join([*words[:i], other, *words[i + 1:]]))
                if i > 0:
                    twins.append(" ".join([*words[:i - 1], other, *words[i + 1:]]))
    return list(dict.fromkeys(twins))


#: A whole number written in digits: not part of a decimal ("2.5"), though a full stop may follow it ("16.").
_DIGITS = re.compile(r"(?<![\d.])\d+(?!\.?\d)")


def _confusable(n: int) -> tuple[int, ...]:
    """The numbers heard for ``n`` when a syllable of tens is lost or added: 6, 16 and 60 ("six",
    "sixteen", "sixty"; 六, 十六, 六十)."""
    for d in range(2, 10):
        family = (d, 10 + d, 10 * d)
        if n in family:
            return tuple(m for m in family if m != n)
    return ()


def prefix_heard_as_a_word(text: str, vocab: Vocabulary) -> bool:
    """True when ``text`` opens with a word a prefix is heard as, right before a direction that the
    prefix reverses ("Then latch the side door", "And lock the back door"): tiny.en is sure of such
    hearings (the audio fits "unlatch" 6.4 worse), so no score can tell them from a real "then"."""
    words = vocab.words(text)
    return len(words) > 1 and words[0] in vocab.prefix_sounds and any(
        other != words[1] and other.endswith(words[1]) for other in vocab.opposite.get(words[1], ()))


def number_twins(text: str) -> list[str]:
    """``text`` with each number written in digits put as each number it is often heard for ("set it to
    13%" -> "... 3%", "... 30%"): a number heard wrong sets a device to a wrong level."""
    twins = []
    for found in _DIGITS.finditer(text):
        for other in _confusable(int(found.group())):
            twins.append(f"{text[:found.start()]}{other}{text[found.end():]}")
    return twins


def alike_number_twins(text: str, vocab: Vocabulary) -> list[str]:
    """``text`` with each character next to a number swapped for a number word read like it ("声音调到四时"
    -> "声音调到四十": 时 and 十 are both shí), where that changes the number: a transcript picks one of the
    characters, and a device would be set to 4 for 40. None for a language without character readings."""
    readings = vocab.readings
    if readings is None:
        return []
    digits = {w: readings(w) for w in vocab.number_words if len(w) == 1}
    numeral = set(digits) | set("0123456789")
    numbers = vocab.numbers(text)
    twins = []
    for i, char in enumerate(text):
        if char in numeral or not ({text[i - 1:i], text[i + 1:i + 2]} & numeral):
            continue
        for word, read in digits.items():
            twin = f"{text[:i]}{word}{text[i + 1:]}"
            if read & readings(char) and vocab.numbers(twin) != numbers:
                twins.append(twin)
    return twins


def fraction_twins(text: str, vocab: Vocabulary) -> list[str]:
    """``text`` with each number written in digits put as each amount in words that opens with it
    ("set the lamp to 3" -> "... 3 quarters"): a word lost after a number sets a device to 3%."""
    twins = []
    for found in _DIGITS.finditer(text):
        n = int(found.group())
        spoken = {found.group(), *(w for w, v in vocab.number_words.items() if v == n)}
        for phrase in vocab.fractions:
            first, _, rest = phrase.partition(" ")
            if rest and first in spoken:
                twins.append(f"{text[:found.start()]}{phrase}{text[found.end():]}")
    return twins


def _short_form(words: list[str], vocab: Vocabulary, name_openers: frozenset[str]) -> bool:
    """True when ``words`` open with the article or the first word of a name ("the lamp on", "living
    room lamp on"): a short form, which may be a sentence whose first words were not heard."""
    return bool(words) and (words[0] == vocab.article or words[0] in name_openers)


def negated_twins(text: str, vocab: Vocabulary, name_openers: frozenset[str] = frozenset()) -> list[str]:
    """``text`` after each verb that keeps a device as it is, where ``text`` opens with the article
    ("the lamp on") or, the article put back, with the first word of a name (``name_openers``: "living
    room lamp on"): a short form may be a sentence whose first words were not heard ("leave the")."""
    words = vocab.words(text)
    if not vocab.article or not _short_form(words, vocab, name_openers):
        return []
    lost = "" if words[0] == vocab.article else f"{vocab.article} "
    # The twins keep the transcript as written, so that only the words put before it are scored apart.
    heard = text.strip()
    return [f"{verb} {lost}{heard[0].lower()}{heard[1:]}" for verb in sorted(vocab.staying_verbs)]


def dropped_negation_twins(text: str, vocab: Vocabulary) -> list[str]:
    """``text`` with each negation a speech model drops put before it ("Turn on the bedroom lamp." ->
    "don't turn on the bedroom lamp."), unless it is negated already."""
    heard = text.strip()
    if not heard or vocab.negated(heard):
        return []
    return [f"{negation}{vocab.word_joiner}{heard[0].lower()}{heard[1:]}" for negation in vocab.dropped_negations]


def question_twins(text: str, vocab: Vocabulary, name_openers: frozenset[str] = frozenset()) -> list[str]:
    """``text`` asked as a question, where it ends with a state ("set the garage light on" -> "is the
    garage light on"): its first word taken for each copula that opens a question, or for a short form
    (the article or a name first) that copula put before it; in a language that ends its questions
    with a particle (吗), that particle put at the end. A question must not change anything."""
    if vocab.question_endings:
        return _ended_as_questions(text, vocab)
    words = vocab.words(text)
    states = {state for found in vocab.states.values() for state in found}
    if len(words) < 3 or words[-1] not in states or words[0] in vocab.question_openers:
        return []
    rest = words if _short_form(words, vocab, name_openers) else words[1:]
    return [" ".join([opener, *rest]) for opener in sorted(vocab.copulas & vocab.question_openers)]


def _ended_as_questions(text: str, vocab: Vocabulary) -> list[str]:
    """``text`` with a particle that ends a question put after it, or in place of its last character
    ("前门锁好的卖" -> "...的吗"): a language that ends its questions so loses them in one syllable."""
    body = text.rstrip("".join(vocab.clause_marks) + " ")
    words = vocab.words(body)
    if len(words) < 2 or words[-1] in vocab.question_endings:
        return []
    return [twin for ending in sorted(vocab.question_endings) for twin in (body + ending, body[:-1] + ending)]


def doubtful_hearing(text: str, hypotheses: Scored, vocab: Vocabulary, gap: float,
                     name_openers: frozenset[str] = frozenset(), value_gap: float = 0.0) -> bool:
    """True when the audio fits ``text`` with a direction's prefix put in or taken out ("unlock" for
    "lock"), with a verb that keeps it as it is before it ("leave the lamp on") or a negation ("don't
    turn on..."), or with a number
    often heard for its own ("60" for "6"), or asked as a question ("is the lamp on"), less than ``gap``
    (natural log) worse than ``text``; or when a prefix may have been heard as a word before it; or, for a
    sentence the audio gave from the templates, when it prefers a value it says to another by less than
    ``value_gap``."""
    if prefix_heard_as_a_word(text, vocab):
        _LOGGER.info("Not acted on: a prefix may have been heard as a word")
        return True
    margin = getattr(hypotheses, "value_margin", None)
    if margin is not None and margin(text) < value_gap:
        _LOGGER.info("Not acted on: the audio prefers a value it says to another by only %.1f", margin(text))
        return True
    twins = [(why, twin) for why, found in (("the opposite direction", prefix_twins(text, vocab)),
                                            ("a verb to leave it", negated_twins(text, vocab, name_openers)),
                                            ("a negation", dropped_negation_twins(text, vocab)),
                                            ("another number", number_twins(text)),
                                            ("a number read alike", alike_number_twins(text, vocab)),
                                            ("an amount in words", fraction_twins(text, vocab)),
                                            ("a question", question_twins(text, vocab, name_openers)))
             for twin in found]
    if not twins:
        return False
    scores = hypotheses.likelihoods([text, *(twin for _, twin in twins)])
    best = max(range(1, len(scores)), key=lambda i: scores[i])
    if scores[best] > scores[0] - gap:
        _LOGGER.info("Not acted on: the audio fits %s %.1f below what was heard", twins[best - 1][0],
                     scores[0] - scores[best])
        return True
    return False


def parsed_variants(heard: list[str], repairer: Repairer, understand: Callable[[str], Decision],
                    settings: RescoreSettings, deadline: float = math.inf,
                    counts: Callable[[Decision], bool] = lambda decision: decision.acts,
                    audio_only: bool = False) -> list[Candidate]:
    """Variants of the transcripts that the templates act on (that ``counts``), cheapest first, with their
    opposites; parsing stops at ``budget_ms`` or at the utterance's ``deadline``, whichever comes first
    (an infinite ``deadline``: after ``parses`` variants, however long they take). ``audio_only``: only
    sentences the audio gave (`intents.repair.Repair.heard`)."""
    if math.isfinite(deadline):
        deadline = min(deadline, time.perf_counter() + settings.budget_ms / 1000)
    found: dict[str, Candidate] = {}
    cheapest: dict[str, float] = {}
    whole: set[str] = set()  # whole sentences of the user's grammar: parsed first
    in_audio: set[str] = set()  # found in the audio by decoding constrained to the grammar
    for variant in (v for text in heard for v in repairer.variants(text)):
        cheapest[variant.text] = min(variant.cost, cheapest.get(variant.text, variant.cost))
        if variant.whole:
            whole.add(variant.text)
        if variant.heard:
            in_audio.add(variant.text)
    # A repair adds no number to the likeliest transcript's: "69" heard first is not "16" heard third. Nor
    # does a sentence the grammar search found (it heard "fifty" as 13 and "fourteen" as 40 with the audio
    # preferring them: seed 401 of the custom-sentence bench), unless the transcripts disagree on their
    # numbers, where only the search may say which.
    said = repairer.vocab.numbers(heard[0]) if heard else set()
    variants = sorted((Repair(text, cost, text in whole, text in in_audio) for text, cost in cheapest.items()
                       if (audio_only and text in in_audio) or (not audio_only and repairer.vocab.numbers(text) <= said)),
                      key=lambda v: (not v.whole, v.cost))
    for variant in variants[: settings.parses]:
        if len(found) >= settings.candidates or time.perf_counter() > deadline:
            break
        decision = understand(variant.text)
        if counts(decision):
            found[variant.text] = Candidate(variant.text, decision, variant.cost, heard=variant.heard)
    for candidate in list(found.values()):
        for twin in opposites(candidate.text, repairer.vocab):
            if twin not in found:
                decision = understand(twin)
                if counts(decision):
                    found[twin] = Candidate(twin, decision, candidate.cost + 0.2)
    return list(found.values())


def _per_length(score: float, candidate: Candidate, length: int, vocab: Vocabulary) -> float:
    """A sentence found in the audio with fewer than two thirds of the transcript's words, scored as if it
    were as long: a log-probability is a sum, and "next" would otherwise fit the audio of "my sister loves
    cappuccino" better than its own transcript. A word or two fewer is no shorter sentence (two words heard
    for one: "the activate" for "deactivate"); variants of the transcript's own words keep their length."""
    words = len(vocab.words(candidate.text)) + 1
    return score * length / words if candidate.heard and words < length * 2 / 3 else score


def effect(decision: Decision) -> tuple:
    """What a decision would do, comparable: its action, and for one of the user's own intents (no device)
    its slots too ("for 18 minutes" is not "for 8 minutes")."""
    if decision.targets:
        return decision.action
    return decision.action, tuple(sorted((k, _plain(v)) for k, v in decision.recognition.slots.items()))


def _plain(value: object) -> str:
    """A slot's value as text, a whole number the same whether read from digits (46.0) or words (46)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def choose(heard: list[str], hypotheses: Scored, repairer: Repairer, understand: Callable[[str], Decision],
           settings: RescoreSettings = RescoreSettings(), log_texts: bool = False,
           deadline: float = math.inf,
           counts: Callable[[Decision], bool] = lambda decision: decision.acts,
           parsed: Optional[list[Candidate]] = None) -> Union[Candidate, TooClose, None]:
    """The repaired command the audio supports best, None when none is close enough to what was heard, or
    `TooClose` when a direction no transcript said fits the audio hardly better than its opposite.
    ``log_texts`` names what was heard and the repair in the log (``security.log_transcripts``);
    ``deadline`` (``time.perf_counter``) is the utterance's; ``counts``: what a repair must lead to (an
    action, or one of the user's own intents); ``parsed``, where given, gets every candidate the repair found,
    whether one is taken or not (what another reader of the transcript is weighed against)."""
    # The two likeliest transcripts hear different numbers ("up to 16", "up to 69"): neither is sure, and
    # only the audio's own reading of the user's grammar may say which (one number heard once only, "开一项",
    # "开一下", is no disagreement).
    unsure = len({frozenset(found) for found in map(repairer.vocab.numbers, heard[:2]) if found}) > 1
    candidates = parsed_variants(heard, repairer, understand, settings, deadline, counts, audio_only=unsure)
    if parsed is not None:
        parsed.extend(candidates)
    if not candidates:
        if unsure:
            _LOGGER.info("Repair not taken: the transcripts hear different numbers")
        return None
    candidates = candidates[: settings.candidates + settings.candidates // 2]
    scores = hypotheses.likelihoods([heard[0]] + [c.text for c in candidates])
    length = len(repairer.vocab.words(heard[0])) + 1
    ranked = sorted((replace(c, score=_per_length(s, c, length, repairer.vocab))
                     for c, s in zip(candidates, scores[1:])), key=lambda c: c.score, reverse=True)
    best = ranked[0]
    said = f" ({heard[0]!r} -> {best.text!r})" if log_texts else ""
    if scores[0] - best.score > settings.margin - settings.cost_weight * best.cost:
        _LOGGER.info("Repair not taken: fits the audio %.1f below the transcript, cost %.2f%s",
                     scores[0] - best.score, best.cost, said)
        return None
    rival = next((c for c in ranked[1:] if effect(c.decision) != effect(best.decision)), None)
    if rival is not None and best.score - rival.score < settings.ambiguity:
        _LOGGER.info("Repair not taken: two actions fit the audio alike%s", said)
        return None
    twins = set(opposites(best.text, repairer.vocab))
    twin = next((c for c in ranked[1:] if c.text in twins and c.cost < best.cost), None)
    if twin is not None and best.score - twin.score < settings.direction_gap:
        _LOGGER.info("Repair not taken: the opposite direction needs less repair and fits the audio only "
                     "%.1f worse%s", best.score - twin.score, said)
        return None
    # A direction no transcript says in any way ("Turn the lights in kitchen." for "... off") is the grammar
    # search's alone: its opposite must fit clearly worse, and nothing else may guess it either.
    said_directions = {w for text in heard for w in repairer.vocab.words(text) if w in repairer.vocab.opposite}
    twin = next((c for c in ranked[1:] if c.text in twins), None) if best.heard and not said_directions else None
    if twin is not None and best.score - twin.score < settings.direction_gap:
        _LOGGER.info("Repair not taken: no direction was heard, and its opposite fits the audio only %.1f "
                     "worse%s", best.score - twin.score, said)
        return TooClose()
    _LOGGER.info("Repaired: fits the audio %.1f below the transcript, cost %.2f%s", scores[0] - best.score,
                 best.cost, said)
    return best
