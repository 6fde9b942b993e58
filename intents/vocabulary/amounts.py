"""Numbers, amounts and durations said in words: where they stand in an utterance and what they count.

`Amounts` is the part of `intents.vocabulary.Vocabulary` that reads them over its fields, so that a
language's data file only lists its words ("sixty", "三十", "three quarters").
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Collection, Iterable, Mapping, Sequence


def number_spans(words: list[str], spoken: Mapping[str, int], not_counting: Sequence[list[str]],
                 units: Collection[str] = ()) -> list[tuple[int, int, int]]:
    """(first word, last word, value) of every number in ``words``, longest phrase first, not
    overlapping. ``spoken``: numbers and amounts in words, by their words joined with spaces;
    ``not_counting``: phrases whose number words count nothing ("this one", "一下"); ``units``: words
    that make the number before them an amount ("小时")."""
    longest = max((len(p.split()) for p in spoken), default=1)
    none = {j + k for p in not_counting for j in range(len(words) - len(p) + 1) if words[j:j + len(p)] == p
            for k, w in enumerate(p) if w in spoken}
    spans, i = [], 0
    while i < len(words):
        if i in none:
            i += 1
            continue
        for size in range(min(longest, len(words) - i), 0, -1):
            phrase = " ".join(words[i:i + size])
            value = int(phrase) if size == 1 and phrase.isdigit() else spoken.get(phrase)
            if value is not None:
                spans.append((i, i + size - 1, value))
                i += size
                break
        else:
            i += 1
    # A number word said twice in a row is no amount: Whisper writes 黑漆漆 ("pitch black") as 黑七七.
    # Unless a unit follows: in "一个一个小时" ("a one-hour ...") the second is the amount.
    twice = {k for k, (a, b) in enumerate(zip(spans, spans[1:])) if a[1] + 1 == b[0] and a[2] == b[2]
             and not words[a[0]].isdigit() and not words[b[0]].isdigit()}
    counted = {k + 1 for k in twice if spans[k + 1][1] + 1 < len(words) and words[spans[k + 1][1] + 1] in units}
    return [span for k, span in enumerate(spans) if k not in twice and (k - 1 not in twice or k in counted)]


class Amounts:
    """The numbers, amounts and durations of an utterance: the part of `intents.vocabulary.Vocabulary`
    that reads them, over its fields."""

    if TYPE_CHECKING:  # the fields and tokenizer of the Vocabulary this is part of
        number_words: Mapping[str, int]
        fractions: Mapping[str, int]
        not_numbers: frozenset[str]
        time_units: Mapping[str, str]
        timer_words: frozenset[str]
        duration_units: Mapping[str, str]
        duration_joiner: str

        def words(self, text: str) -> list[str]: ...
        def _normal(self, phrases: Iterable[str]) -> tuple[str, ...]: ...
        def _has_phrase(self, text: str, phrases: Iterable[str]) -> bool: ...

    def duration(self, hours: int, minutes: int, seconds: int) -> str:
        """A timer's length as an announcement says it ("1 hour 30 minute")."""
        parts = [self.duration_units.get(unit, "{n} " + unit).format(n=n)
                 for unit, n in (("hours", hours), ("minutes", minutes), ("seconds", seconds)) if n]
        return self.duration_joiner.join(parts)

    def timer_asked(self, text: str) -> bool:
        """True when a timer is asked for."""
        return self._has_phrase(text, self.timer_words)

    def durations(self, text: str) -> list[tuple[int, str]]:
        """(number, unit) for every number said just before a unit of time ("10 minutes", "five minute")."""
        words = self.words(text)
        ends = {last: value for _, last, value in self._number_spans(words)}
        return [(ends[i - 1], self.time_units[w]) for i, w in enumerate(words) if w in self.time_units and i - 1 in ends]

    def _number_spans(self, words: list[str]) -> list[tuple[int, int, int]]:
        return number_spans(words, self._spoken, self._not_counting, self._units)

    @cached_property
    def _units(self) -> frozenset[str]:
        """Units of time as the tokenizer splits them: a number before one is an amount."""
        return frozenset(self._normal(self.time_units))

    @cached_property
    def _not_counting(self) -> tuple[list[str], ...]:
        """``not_numbers`` as the tokenizer splits them (split once, not for every utterance)."""
        return tuple(p.split() for p in self._normal(self.not_numbers))

    @cached_property
    def _spoken(self) -> dict[str, int]:
        """Numbers and amounts in words, by their words as the tokenizer splits them."""
        spoken = {**self.number_words, **self.fractions}
        return dict(zip(self._normal(spoken), spoken.values()))

    def fraction_said(self, text: str) -> bool:
        """True when an amount is said in words ("halfway"): it is a percentage."""
        words, fractions = self.words(text), set(self._normal(self.fractions))
        return any(" ".join(words[a:b + 1]) in fractions for a, b, _ in self._number_spans(words))

    def number_leads(self, text: str) -> dict[int, set[str]]:
        """The word said just before each number ("by" in "dim it by forty"): what kind of amount it is."""
        words, leads = self.words(text), {}
        for start, _, value in self._number_spans(words):
            leads.setdefault(value, set()).update(words[max(0, start - 1):start])
        return leads

    def numbers(self, text: str) -> set[int]:
        """Numbers said in ``text``, from digits or words ("three quarters" is 75, not 3)."""
        return {value for _, _, value in self._number_spans(self.words(text))}
