"""Which device was meant: a name said only in part ("the lamp"), and "it" or "them".

Pure functions over the registry and the vocabulary. A :class:`Choice` is an
utterance with a hole where a device's name goes, and the devices that may
fill it: one fits, and the utterance is understood with its full name; several
fit, and Hearth asks which (`app.core.assistant`), then fills the hole with the
one (or all) the answer names. "It" and "them" are a hole filled by the
devices the site last acted on or asked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from devices.decision import Recognition
from devices.registry import Entity, Home
from intents.vocabulary import Vocabulary

#: More devices than this fitting a part of a name is no question worth asking: the words said too little.
MAX_CHOICES = 4


@dataclass(frozen=True)
class Choice:
    """An utterance with the name of its device left open."""

    before: tuple[str, ...]
    """The words before the name."""
    after: tuple[str, ...]
    """The words after it."""
    candidates: tuple[str, ...]
    """Entity ids that may be meant, in registry order."""
    reading: Optional[Recognition] = None
    """A command read whole that names no device ("next track" in a home with two players): the device
    answered is put in its ``name`` slot, with its room, instead of filling a hole in the words."""

    def command(self, name: str, vocab: Vocabulary) -> str:
        """The utterance with ``name`` in the hole."""
        return vocab.word_joiner.join((*self.before, name, *self.after))


def _singular(words: list[str], vocab: Vocabulary) -> list[str]:
    return [vocab.singular(w) for w in words]


def _fits(entity: Entity, said: set[str], vocab: Vocabulary) -> bool:
    """Every word said is in one of its names or names its kind, and one at least is in a name."""
    for name in entity.names:
        words = set(_singular(vocab.words(name), vocab))
        if said & words and not said - words - vocab.words_of_kind.get(entity.domain, frozenset()):
            return True
    return False


def _domains_of_verbs(text: str, vocab: Vocabulary) -> set[str]:
    """The domains whose verbs were said ("lock" is said only to locks)."""
    said = vocab.verbs_said(text)
    return {domain for domain, verbs in vocab.verbs.items() if said & set(verbs)}


def partial_name(text: str, home: Home, vocab: Vocabulary, area_id: Optional[str] = None) -> Optional[Choice]:
    """The devices whose name ``text`` says only in part, with the hole where that part was; None when
    no such part was said, a full name was, or too many devices fit."""
    if not vocab.partial_names:
        return None
    words = vocab.words(text)
    entities = list(home.entities)
    name_words = {w for e in entities for n in e.names for w in _singular(vocab.words(n), vocab)}
    area_words = {w for a in home.areas for n in (a.name, *a.aliases) for w in _singular(vocab.words(n), vocab)}
    # The words of the verb said are not part of a name ("switch on the lamp": no Bedroom Switch; "lock the
    # garage door": the lock's verb, not the Shed Lock's name), unless nothing else is.
    verb_words = {w for cues in vocab.direction_words.values() for cue in cues if vocab.said(text, cue)
                  for w in vocab.words(cue)}
    plain = _singular(words, vocab)
    spots = [i for i, w in enumerate(plain) if w in name_words]
    spots = [i for i in spots if words[i] not in verb_words] or spots
    said = {plain[i] for i in spots}
    if not said - area_words or any(vocab.said(text, n) and said <= set(_singular(vocab.words(n), vocab))
                                    for e in entities for n in e.names):
        return None  # nothing but a room said, or a whole name that is every name word said
    found = [e for e in entities if _fits(e, said, vocab)]
    domains = _domains_of_verbs(text, vocab)
    found = [e for e in found if e.domain in domains] or found if domains else found
    if area_id is not None:
        found = [e for e in found if e.area_id == area_id] or found
    if not found or len(found) > MAX_CHOICES:
        return None
    start, end = spots[0], spots[-1] + 1
    if start > 0 and words[start - 1] == vocab.article:
        start -= 1
    return Choice(tuple(words[:start]), tuple(words[end:]), tuple(e.id for e in found))


def _device_words(home: Home, vocab: Vocabulary) -> set[str]:
    """Words that name a device or a kind of device in this home."""
    kinds = vocab.light_words | vocab.fan_words | vocab.cover_words | set(vocab.kind_of)
    names = {w for e in home.entities for n in e.names for w in vocab.words(n)}
    area_words = {w for a in home.areas for n in (a.name, *a.aliases) for w in vocab.words(n)}
    return set(_singular([*kinds, *names], vocab)) - set(_singular(list(area_words), vocab))


def room_devices(text: str, home: Home, vocab: Vocabulary) -> Optional[Choice]:
    """"Turn off the bedroom": a room said where a device was expected; its devices that take the verb,
    with the hole where the room was. None when more than a room was said, or no verb."""
    if not vocab.partial_names:
        return None
    words = vocab.words(text)
    domains = _domains_of_verbs(text, vocab)
    for area in home.areas:
        for name in (area.name, *area.aliases):
            said = vocab.words(name)
            spots = [i for i in range(len(words) - len(said) + 1) if words[i:i + len(said)] == said]
            if not spots or not domains:
                continue
            start, end = spots[0], spots[0] + len(said)
            if set(_singular(words[:start] + words[end:], vocab)) & _device_words(home, vocab):
                return None  # a device or kind was said too ("the kitchen fan"): not only a room
            found = [e for e in home.entities if e.area_id == area.id and e.domain in domains]
            if not found or len(found) > MAX_CHOICES:
                return None
            if start > 0 and words[start - 1] == vocab.article:
                start -= 1
            return Choice(tuple(words[:start]), tuple(words[end:]), tuple(e.id for e in found))
    return None


def referent(text: str, vocab: Vocabulary, last: tuple[str, ...]) -> Optional[Choice]:
    """"It" or "them" in ``text``, standing for ``last`` (the devices the site last acted on)."""
    words = vocab.words(text)
    spots = [i for i, w in enumerate(words) if w in vocab.pronouns]
    if not last or len(spots) != 1:
        return None
    return Choice(tuple(words[:spots[0]]), tuple(words[spots[0] + 1:]), last)


def chosen(choice: Choice, answer: str, home: Home, vocab: Vocabulary) -> tuple[str, ...]:
    """The candidates an answer to "which one?" names ("the bedroom one", "both"); none when it names
    none of them (it is then not an answer)."""
    if any(vocab.said(answer, phrase) for phrase in vocab.all_words):
        return choice.candidates
    names = {c: {w for n in home.entity(c).names for w in _singular(vocab.words(n), vocab)}
             for c in choice.candidates if home.entity(c)}
    shared = set.intersection(*names.values()) if names else set()
    said = set(_singular(vocab.words(answer), vocab)) - shared
    overlap = {c: len(said & words) for c, words in names.items()}
    best = max(overlap.values(), default=0)
    return tuple(c for c, count in overlap.items() if count and count == best)  # the ones it names best


def question(choice: Choice, home: Home, vocab: Vocabulary) -> str:
    """"Which one: the Bedroom Lamp or the Living Room Lamp?" """
    names = [home.entity(c).name for c in choice.candidates if home.entity(c)]
    listed = vocab.replies["list"].join(names[:-1]) + vocab.replies["or"] + names[-1] if len(names) > 1 else names[0]
    return vocab.replies["which"].format(names=listed)
