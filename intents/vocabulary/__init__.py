"""The words of a language, in one place: every stage that needs words takes them from here.

A stage never spells out a word of a language. It is handed a
:class:`Vocabulary` (``vocabulary("en")``) and asks it: what are the words of
this text, is it negated or a question, which verbs were said, which
word is the opposite of "on", what does "sixty" count, what is "yes". Every language is a
data file beside this module (``en.yaml``, ``zh_cn.yaml``, ``de.yaml``), read by
`intents.vocabulary.data`; adding a language adds one such file. What a language needs beyond
words is named in its file and done by language-neutral code here: ``segment_by_vocabulary`` for
a language written without spaces, ``character_readings`` (`intents.vocabulary.readings`) for one
whose misheard characters are repaired by how they are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional

from intents.vocabulary.amounts import Amounts


class UnknownLanguage(ValueError):
    """No vocabulary for the language asked for, or a vocabulary that is wrong."""


@dataclass(frozen=True)
class Vocabulary(Amounts):
    """Everything language-specific that Hearth's stages need, as data."""

    language: str
    """Language code, as Home Assistant's intents name it (``en``, ``zh-cn``)."""
    word_pattern: str
    """Regular expression of one word in lower-case text (the tokenizer; see ``segment_by_vocabulary``)."""
    number_words: Mapping[str, int]
    """Spoken numbers and their values ("sixty" -> 60)."""
    ordinals: Mapping[str, str]
    """Ordinals as speech-to-text writes them, as the templates spell them ("1st" -> "first")."""
    opposites: tuple[tuple[str, str], ...]
    """Pairs of direction words; a misheard direction is tried the other way too."""
    direction_words: Mapping[str, frozenset[str]]
    """For a plain command starting with the key ("turn on"), the words or phrases of which one must
    have been said ("douse", "power down"); a verb not listed here needs no particular word."""
    weak_cues: frozenset[str]
    """Direction words that are often something else ("on" in "next song on the TV", "please"): they
    count only when no other direction is said, and not after a ``copulas`` word ("when it's on")."""
    needs: Mapping[str, tuple[str, str]]
    """Indirect requests: a phrase saying what is wrong, and the verb and kind of device that mend it
    ("pitch black" -> ("turn on", "light")); kind "": the device named ("the fan is wasting power")."""
    negations: frozenset[str]
    """Words or phrases that turn a command into its refusal ("don't", "do not")."""
    question_openers: frozenset[str]
    """First words of a question ("is", "what"): a question never changes anything."""
    question_phrases: frozenset[str]
    """Phrases anywhere that make a request a question ("tell me if", "check whether")."""
    statement_cues: frozenset[str]
    """Words or phrases of a report about the past ("yesterday", "was"): a statement never acts."""
    yes: frozenset[str]
    """Whole answers that confirm."""
    no: frozenset[str]
    """Whole answers that refuse."""
    stop_words: frozenset[str]
    """Words that mean "be quiet" while Hearth speaks."""
    command_words: tuple[str, ...]
    """Words of commands that matter when repairing a transcript, even where no template spells them."""
    sound_alikes: Mapping[str, tuple[str, ...]]
    """Short words heard for others in running speech, where spelling cannot tell."""
    repair_phrases: tuple[str, ...]
    """Multi-word phrases one misheard word may stand for ("in here")."""
    short_words: frozenset[str]
    """The one-letter words of the language ("a", "i"); other single letters are noise."""
    article: str
    """The definite article, which a misheard word may have swallowed ("believing" for "the living")."""
    kind_words: Mapping[str, str]
    """How the templates name a kind of device without a name (domain -> "lights")."""
    kind_of: Mapping[str, str]
    """Words naming a kind of device (word -> domain): "the vacuum" in the room one is in."""
    light_words: frozenset[str]
    """Words for lights."""
    fan_words: frozenset[str]
    """Words for fans."""
    cover_words: frozenset[str]
    """Words for curtains, blinds and other covers."""
    percent_words: frozenset[str]
    """Words that make a number a percentage."""
    fractions: Mapping[str, int]
    """Amounts said in words, as percentages ("halfway" -> 50); they count as numbers said with a percent."""
    time_units: Mapping[str, str]
    """Words of a duration, as Home Assistant's timer slots name them ("minute" -> "minutes")."""
    timer_words: frozenset[str]
    """Words or phrases that ask for a timer."""
    degree_words: frozenset[str]
    """Words that make a number a temperature."""
    verbs: Mapping[str, tuple[str, ...]]
    """How the templates say each action, by domain (domain -> "turn on", "turn off", ...)."""
    states: Mapping[str, tuple[str, ...]]
    """States a question may ask about, by domain."""
    phrases: Mapping[str, str]
    """Plain-command shapes the LLM stage answers with, as format strings (see ``en.yaml``)."""
    prompt_commands: Mapping[str, str]
    """One command per kind of device to prime speech-to-text with; ``{area}`` is a room that has one, and
    the words in brackets around it are left out where the device has no room ("the lights[ in the {area}]")."""
    replies: Mapping[str, str]
    """Hearth's own replies, by what happened (see ``intents.outcome.Failure``)."""
    confirm_verbs: Mapping[str, str]
    """The verb of a confirmation question by domain ("unlock"); ``default`` for the rest."""
    llm_instruction: str
    """The LLM stage's system instruction."""
    segment_by_vocabulary: bool = False
    """Whether the tokenizer first takes the longest of this vocabulary's own words at each place
    (`Vocabulary.segment_words`: "打开", "不要", "百分之") and only then ``word_pattern``: for a
    language written without spaces between its words."""
    verb_forms: Mapping[str, str] = field(default_factory=dict)
    """How a verb takes its target where it is not "{verb} {target}" ("{target} 下一首")."""
    domain_verb_forms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per domain, how the templates say a verb they lack for it (a valve "turned on" is opened)."""
    fillers: frozenset[str] = frozenset()
    """Words that soften or pace a command and mean nothing for it ("请", "一下"): known words, never
    taken for a mishearing."""
    repairs_by_sound: bool = True
    """Whether misheard words may be repaired by how they sound (the repairer knows English sounds;
    for Chinese it would edit characters by their shape, and drop words such as 不用 and 一半)."""
    character_readings: str = ""
    """The source of how a character may be read (``pinyin``: Chinese, by pypinyin), where a speech
    model writes what it heard right in characters read alike ("观调" for 关掉): the repair swaps such
    characters (`intents.homophones`). Its functions are `Vocabulary.readings` and
    `Vocabulary.tones` (`intents.vocabulary.readings`); "": none, a language that repairs words by
    sound instead."""
    prompt_preamble: str = ""
    """A sentence speech-to-text is primed with before the home's commands and names (the script the
    language is written in: Whisper writes Chinese in traditional characters unless primed)."""
    question_patterns: tuple[str, ...] = ()
    """Regular expressions of questions that no fixed word marks (Chinese "锁没锁": locked or not?),
    searched in the lower-case text."""
    question_endings: frozenset[str] = frozenset()
    """Particles that end a question (吗, 呢): heard as another syllable, a question reads as a command."""
    cover_classes: Mapping[str, str] = field(default_factory=dict)
    """How the templates name covers of one device class in a room (``shade`` -> "shades"): what an
    indirect request for a cover ("too much sun") asks for; a cover of a class not here is named."""
    volume_words: frozenset[str] = frozenset()
    """Words about loudness: a number for a player is its volume only with one of them or a percentage
    ("the next one on the tv" is no volume of 1); empty: any number said to a player."""
    part_names: Mapping[str, str] = field(default_factory=dict)
    """How a reply names the part of a device a command needs ("brightness" -> "亮度"), by the
    English name the device layer gives it; the English name where missing."""
    color_words: Mapping[str, str] = field(default_factory=dict)
    """How colours are said, by Home Assistant's name ("red" -> "红色"); the name itself where missing."""
    unit_names: Mapping[str, str] = field(default_factory=dict)
    """How a plain timer command says each of Home Assistant's units ("minutes" -> "分钟"); the
    slot name itself where missing."""
    spoken_units: Mapping[str, str] = field(default_factory=dict)
    """How a reply reads a number written with a unit, by how it is written (``"{n}%"`` -> ``"{n}
    percent"``, ``"百分之{n}"``); a space in the key may be left out or doubled in the reply."""
    duration_units: Mapping[str, str] = field(default_factory=dict)
    """How an announcement says a part of a timer's length, by unit ("minutes" -> "{n} minute", as in
    "your 10 minute timer"); parts are joined with ``duration_joiner``."""
    duration_joiner: str = " "
    """What goes between the parts of a length ("1 hour 30 minute"; nothing in Chinese)."""
    word_joiner: str = " "
    """What goes between two words written out (a space; nothing in Chinese)."""
    conjunctions: frozenset[str] = frozenset()
    """Words joining two commands in one sentence ("and", "then"): where it may be cut into clauses."""
    correction_cues: frozenset[str] = frozenset()
    """Words opening a correction of the last command ("no", "I meant"): what follows replaces it."""
    pronouns: frozenset[str] = frozenset()
    """Words standing for the devices last acted on ("it", "them")."""
    all_words: frozenset[str] = frozenset()
    """Answers to "which one?" that mean every one offered ("both", "all of them")."""
    bare_cues: frozenset[str] = frozenset()
    """Weak cues that stand for a verb only with nothing but targets around them ("kitchen lights
    please"): in "kitchen cabinets I've please" a direction may have been misheard."""
    copulas: frozenset[str] = frozenset()
    """Words that make the weak cue after them a state, not a request ("it's on", "are on")."""
    staying_verbs: frozenset[str] = frozenset()
    """Verbs that ask for a device to stay as it is ("leave the lamp on"): a short form heard ("the lamp
    on") may be one of them whose verb was not heard."""
    partial_names: bool = True
    """Whether a name said in part ("the lamp") is looked for among the home's names, word by word."""
    plural_endings: tuple[str, ...] = ()
    """Endings that make a word plural ("curtains"), taken off when a name said in part is looked for."""
    request_openers: frozenset[str] = frozenset()
    """Phrases that open a request though their first word opens questions ("do me a favour and...")."""
    not_numbers: frozenset[str] = frozenset()
    """Phrases in which a number word counts nothing ("skip this one": no volume of 1)."""
    statement_openers: frozenset[str] = frozenset()
    """Phrases that open a report but are none elsewhere ("left the light on", "the left curtain"; "I turn
    the lights off at ten", "can I turn them off")."""
    prefix_sounds: frozenset[str] = frozenset()
    """Words a short prefix is heard as, first in an utterance ("unlatch" heard as "then latch")."""
    verb_markers: frozenset[str] = frozenset()
    """Words said right after a verb, never after a name ("it" in "lock it", "一下" in "锁一下"): a word
    for a kind of device before them is the verb ("side door lock it")."""
    dropped_negations: tuple[str, ...] = ()
    """Negations a speech model drops before a command ("don't turn on..." heard as "Turn on..."): a
    command heard is scored against the audio with each put before it."""
    rules_out: Mapping[str, str] = field(default_factory=dict)
    """Phrases that rule out a verb said beside another ("stop the tv for a moment" pauses it, "stop"
    does not turn it off; "turn the lamp off for a minute" still does)."""
    vowels: str = ""
    """Letters a hasty typist leaves out of a name ("lft" for "left"); empty: none is left out."""
    clause_marks: str = ",;:.!?，。；：！？"
    """Punctuation between clauses: in "side door, lock it" the "lock" is a verb, not the name's kind."""

    def __post_init__(self) -> None:
        if self.character_readings:  # a source not known is an error now, not at the first repair
            from intents.vocabulary.readings import reading_source
            reading_source(self.character_readings)

    @cached_property
    def readings(self) -> Optional[Callable[[str], frozenset[str]]]:
        """How a character may be read, without tones (Chinese: its pinyin, "调": diao, tiao), by
        ``character_readings``; None for a language that repairs words by sound instead."""
        from intents.vocabulary.readings import reading_source
        source = reading_source(self.character_readings)
        return source.readings if source else None

    @cached_property
    def tones(self) -> Optional[Callable[[str], frozenset[str]]]:
        """How a character may be read, with tones ("调": diào, tiáo): a swap read exactly alike (订, 定:
        dìng) is cheaper than one alike only without tones (灯: dīng). None without ``character_readings``."""
        from intents.vocabulary.readings import reading_source
        source = reading_source(self.character_readings)
        return source.tones if source else None

    @cached_property
    def sounds(self) -> Optional[Callable[[str], tuple[str, ...]]]:
        """A reading (as `readings` gives it) as its sounds ("shuo": sh, u, o): readings one sound apart are
        heard for each other in noise (说 for 锁). None without ``character_readings``."""
        from intents.vocabulary.readings import reading_source
        source = reading_source(self.character_readings)
        return source.sounds if source else None

    @cached_property
    def segment_words(self) -> tuple[str, ...]:
        """The words the tokenizer takes whole where ``segment_by_vocabulary``, longest first: every word
        longer than one character of the verbs and their direction words, needs, kinds, amounts, units,
        negations, questions, statements, answers, fillers, states, pronouns and "all" words. A number
        word written with shorter number words only ("二十一", "一百") is not one: it is read from them
        ("二 十 一"); one that is not ("两个") is."""
        numbers = frozenset(self.number_words)
        words = [*self.direction_words, *(w for said in self.direction_words.values() for w in said),
                 *self.needs, *self.kind_of, *self.fractions, *self.time_units, *self.negations,
                 *self.question_openers, *self.question_phrases, *self.statement_cues, *self.yes, *self.no,
                 *self.stop_words, *self.light_words, *self.fan_words, *self.cover_words, *self.percent_words,
                 *self.timer_words, *self.degree_words, *(s for states in self.states.values() for s in states),
                 *self.kind_words.values(), *self.fillers, *self.pronouns, *self.all_words,
                 *(n for n in numbers if not _spelled_with(n, numbers))]
        return tuple(sorted({w.casefold() for w in words if len(w) > 1}, key=lambda w: (-len(w), w)))

    @cached_property
    def _word(self) -> re.Pattern[str]:
        if self.segment_by_vocabulary and self.segment_words:
            return re.compile("|".join(map(re.escape, self.segment_words)) + "|" + self.word_pattern)
        return re.compile(self.word_pattern)

    def words(self, text: str) -> list[str]:
        """The words of ``text``, lower case, punctuation dropped."""
        return self._word.findall(text.casefold())

    def clause_starts(self, text: str) -> set[int]:
        """Indexes of the words of ``text`` that follow a clause mark ("lock" in "side door, lock it")."""
        folded, starts, last = text.casefold(), set(), 0
        for i, found in enumerate(self._word.finditer(folded)):
            if i and any(mark in folded[last:found.start()] for mark in self.clause_marks):
                starts.add(i)
            last = found.end()
        return starts

    def joined(self, text: str) -> str:
        """The words of ``text`` joined by single spaces (for matching phrases)."""
        return " ".join(self.words(text))

    @cached_property
    def _normal_cache(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        return {}

    def _normal(self, phrases: Iterable[str]) -> tuple[str, ...]:
        """``phrases`` as the tokenizer splits them ("不要" may be one word or two): a phrase is
        compared with a text word by word, however the language separates words."""
        key = tuple(phrases)
        if key not in self._normal_cache:
            self._normal_cache[key] = tuple(self.joined(phrase) for phrase in key)
        return self._normal_cache[key]

    def _has_phrase(self, text: str, phrases: Iterable[str]) -> bool:
        padded = f" {self.joined(text)} "
        return any(phrase and f" {phrase} " in padded for phrase in self._normal(phrases))

    def said(self, text: str, phrase: str) -> bool:
        """True when ``phrase`` is said in ``text`` (word by word)."""
        return self._has_phrase(text, (phrase,))

    def command(self, verb: str, target: str, domain: str = "") -> str:
        """The plain command doing ``verb`` to ``target`` of ``domain`` ("turn off Garage Light")."""
        form = self.domain_verb_forms.get(domain, {}).get(verb) or self.verb_forms.get(verb, "{verb} {target}")
        return form.format(verb=verb, target=target)

    def negated(self, text: str) -> bool:
        """True when a negation is said anywhere ("don't turn off the lamp")."""
        return self._has_phrase(text, self.negations)

    def _opens_with(self, text: str, phrases: Iterable[str]) -> bool:
        joined = f"{self.joined(text)} "
        return any(phrase and joined.startswith(f"{phrase} ") for phrase in self._normal(phrases))

    def opens_negated(self, text: str) -> bool:
        """True when ``text`` opens with a negation ("do not unlock...", "don't"), which makes even
        a question opener ("do") a refusal."""
        return self._opens_with(text, self.negations)

    def is_question(self, text: str) -> bool:
        """True when ``text`` opens as a question or asks one ("tell me if...")."""
        found = self.words(text)
        # "isn't", "what's": an opener with a contraction is still one; so is one opening a later clause
        # ("ok hearth, is the garage light on").
        starts = {0} | self.clause_starts(text) if found else set()
        opens = any(found[i].split("'")[0] in self.question_openers for i in starts if i < len(found)) \
            and not self._opens_with(text, self.request_openers)
        patterned = any(re.search(pattern, text.casefold()) for pattern in self.question_patterns)
        return opens or patterned or self._has_phrase(text, self.question_phrases)

    def is_statement(self, text: str) -> bool:
        """True when ``text`` reports something (past) rather than asks for it."""
        return self._has_phrase(text, self.statement_cues) or self._opens_with(text, self.statement_openers)

    def verbs_said(self, text: str, weak: bool = True, bare: bool = False) -> set[str]:
        """The plain-command verbs whose direction words were said; weak cues only when nothing else was
        and ``weak`` (an indirect request names its own verb), bare cues only when ``bare``."""
        words = self.words(text)
        padded = f" {' '.join(words)} "
        found = [(verb, cue, f" {norm} ") for verb, cues in self.direction_words.items()
                 for cue, norm in zip(cues, self._normal(cues)) if f" {norm} " in padded]
        said: dict[str, set[str]] = {}
        for verb, cue, norm in found:
            # A cue said only inside a longer one of another verb is not said: "open the lock" unlocks.
            rest = padded
            for other, _, longer in found:
                if other != verb and len(longer) > len(norm) and norm in longer:
                    rest = rest.replace(longer, "  ")
            if norm in rest and not (cue in self.weak_cues and self._only_as_state(cue, words)):
                said.setdefault(verb, set()).add(cue)
        strong = {verb for verb, cues in said.items() if cues - self.weak_cues}
        allowed = self.weak_cues - (frozenset() if bare else self.bare_cues) if weak else frozenset()
        verbs = strong or {verb for verb, cues in said.items() if cues & allowed}
        ruled_out = {verb for phrase, verb in zip(self._normal(self.rules_out), self.rules_out.values())
                     if f" {phrase} " in padded}
        return verbs - ruled_out or verbs

    def _only_as_state(self, cue: str, words: list[str]) -> bool:
        """True when every saying of the one-word ``cue`` follows a copula ("the fan is on")."""
        places = [i for i, word in enumerate(words) if word == cue]
        return bool(places) and all(i > 0 and words[i - 1] in self.copulas for i in places)

    def needs_said(self, text: str) -> set[tuple[str, str]]:
        """The (verb, kind of device) of every indirect request in ``text``."""
        padded = f" {self.joined(text)} "
        return {need for phrase, need in zip(self._normal(self.needs), self.needs.values()) if f" {phrase} " in padded}

    def singular(self, word: str) -> str:
        """``word`` without a plural ending ("curtains" -> "curtain"; "glass" stays)."""
        for ending in self.plural_endings:
            if word.endswith(ending) and len(word) > len(ending) + 2 and not word.endswith(ending * 2):
                return word[: -len(ending)]
        return word

    def without_fillers(self, text: str) -> str:
        """``text`` without the words that soften or pace it ("请帮我关掉客厅灯吧": "关掉客厅灯")."""
        if not self.fillers:
            return text
        kept, last = [], 0
        for found in self._word.finditer(text.casefold()):  # cut out of the text as written: "20%" stays
            if found.group(0) in self.fillers:
                kept.append(text[last:found.start()])
                last = found.end()
        return "".join(kept) + text[last:]

    def answer(self, text: str) -> bool | None:
        """True for a yes, False for a no, None for anything else."""
        said = self.joined(text)
        return True if said in self._normal(self.yes) else False if said in self._normal(self.no) else None

    @cached_property
    def meaningful(self) -> frozenset[str]:
        """Single words that change what an utterance asks for: numbers and amounts, units of time,
        negations, directions (but weak cues), what an indirect request or a report says (one-word
        phrases only: "pitch" alone says nothing). A repair
        of a misheard transcript must never drop or replace one of them."""
        phrases = [*self.number_words, *self.fractions, *self.time_units, *self.negations, *self.needs,
                   *self.statement_cues, *(c for cues in self.direction_words.values() for c in cues
                                           if c not in self.weak_cues)]
        single = (self.words(phrase) for phrase in phrases)
        # Words often heard for others ("four" for "floor", "up" for "off") stay open to repair.
        return frozenset(words[0] for words in single if len(words) == 1) - self.weak_cues - set(self.sound_alikes)

    @cached_property
    def own_phrases(self) -> tuple[str, ...]:
        """Every phrase of this vocabulary that an utterance may use: directions, needs, negations,
        questions, statements, numbers, amounts, times, kinds, colours, fillers and states."""
        return (*(c for cues in self.direction_words.values() for c in cues), *self.needs, *self.negations,
                *self.question_openers, *self.question_phrases, *self.statement_cues, *self.number_words,
                *self.fractions, *self.time_units, *self.timer_words, *self.kind_of, *self.light_words,
                *self.fan_words, *self.cover_words, *self.color_words.values(), *self.fillers,
                *(state for states in self.states.values() for state in states))

    @cached_property
    def own_words(self) -> frozenset[str]:
        """The words of `own_phrases`, split once per vocabulary."""
        return frozenset(w for phrase in self.own_phrases for w in self.words(phrase))

    @cached_property
    def words_of_kind(self) -> dict[str, frozenset[str]]:
        """Words that name each kind of device without a name (domain -> {"lamp", "lights"...})."""
        kinds = {"light": self.light_words, "fan": self.fan_words, "cover": self.cover_words}
        for word, domain in self.kind_of.items():
            kinds[domain] = kinds.get(domain, frozenset()) | {word}
        return kinds

    def only_directions(self, text: str) -> bool:
        """True when ``text`` says a direction and nothing else but fillers ("pause", "暂停一下")."""
        rest = f" {self.joined(self.without_fillers(text))} "
        for phrase in sorted(map(self.joined, self.verbs_of_word), key=len, reverse=True):
            while phrase and f" {phrase} " in rest:
                rest = rest.replace(f" {phrase} ", " ")
        return bool(self.words(text)) and not rest.strip()

    @cached_property
    def takers_of_word(self) -> dict[str, frozenset[str]]:
        """The kinds of device that take a verb each direction word says ("pause": media_player)."""
        return {word: frozenset(domain for domain, taken in self.verbs.items() if verbs & set(taken))
                for word, verbs in self.verbs_of_word.items()}

    @cached_property
    def cue_words(self) -> frozenset[str]:
        """Every word of every direction word or phrase ("turn", "up", "lock"): a verb or its particle."""
        return frozenset(w for cue in self.verbs_of_word for w in self.words(cue))

    @cached_property
    def verbs_of_word(self) -> dict[str, frozenset[str]]:
        """The plain-command verbs each direction word says ("stop": "turn off" and "pause")."""
        found: dict[str, set[str]] = {}
        for verb, words in self.direction_words.items():
            for word in words:
                found.setdefault(word, set()).add(verb)
        return {word: frozenset(verbs) for word, verbs in found.items()}

    @cached_property
    def opposite(self) -> dict[str, tuple[str, ...]]:
        """Each direction word's opposites, looked up from either side of a pair."""
        found: dict[str, tuple[str, ...]] = {}
        for a, b in self.opposites:
            found[a] = (*found.get(a, ()), b)
            found[b] = (*found.get(b, ()), a)
        return found


def _spelled_with(word: str, parts: frozenset[str]) -> bool:
    """True when ``word`` is two or more of ``parts`` written one after another ("二十一": 二 十 一)."""
    ends = {0}
    for end in range(1, len(word) + 1):
        if any(start in ends and word[start:end] in parts for start in range(1 if end == len(word) else 0, end)):
            ends.add(end)
    return len(word) in ends


def vocabulary(language: str) -> Vocabulary:
    """The vocabulary of ``language``, from its data file ``intents/vocabulary/<language>.yaml``
    (lower case, "-" as "_": ``zh_cn.yaml``); raises UnknownLanguage."""
    name = language.lower().replace("-", "_")
    if not re.fullmatch(r"[a-z_]+", name):
        raise UnknownLanguage(f"no vocabulary for language {language!r}: not a language code")
    data = Path(__file__).with_name(f"{name}.yaml")
    if not data.is_file():
        raise UnknownLanguage(f"no vocabulary for language {language!r}: no data file intents/vocabulary/{name}.yaml")
    from intents.vocabulary.data import load
    return load(data)
