"""Stage one of understanding: Home Assistant's sentence templates via hassil.

Slot lists are built from the registry the way Home Assistant builds them:
every entity name and alias with its domain and device class as context,
every area and floor name. Matching uses ``recognize_best`` preferring a
literal entity name, as Home Assistant's default conversation agent does.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml
from hassil import Intents, RecognizeResult, TextSlotList, TextSlotValue, recognize_best
from hassil.errors import HassilError
from hassil.expression import TextChunk
from hassil.filter import filter_intents
from hassil.intents import SlotList
from hassil.sample import sample_expression
from hassil.util import normalize_text
from home_assistant_intents import get_intents
from unicode_rbnf import RbnfEngine

from devices.decision import Recognition, Source
from devices.registry import Home


class TemplateLanguageError(Exception):
    """The sentence templates for a language are not available."""


#: Hearth's own sentences per language, in Home Assistant's custom-sentence format.
SENTENCES = Path(__file__).parent / "sentences"


def load_language(language: str) -> dict[str, Any]:
    """Home Assistant's merged sentences, lists and responses for a language, with Hearth's own
    sentences for it (``intents/sentences/<language>.yaml``) added."""
    # The package names regional variants in upper case ("zh-CN"); Hearth's config, as HA's tests, "zh-cn".
    code, _, region = language.partition("-")
    data = get_intents(f"{code}-{region.upper()}" if region else code)
    if data is None:
        raise TemplateLanguageError(f"no Home Assistant sentence templates for language '{code}'")
    own = SENTENCES / f"{language.lower()}.yaml"
    return merge_sentences(data, yaml.safe_load(own.read_text(encoding="utf-8")), str(own)) if own.exists() else data


def merge_sentences(data: dict[str, Any], extra: dict[str, Any], where: str) -> dict[str, Any]:
    """``data`` with the intents' sentence blocks, lists, expansion rules and responses of ``extra`` (Home
    Assistant's custom-sentence format) added; one that would replace one of ``data`` is an error."""
    merged = copy.deepcopy(data)
    for key in ("lists", "expansion_rules"):
        clash = set(extra.get(key) or {}) & set(merged.get(key) or {})
        if clash:
            raise TemplateLanguageError(f"{where}: {key} {sorted(clash)} already defined by Home Assistant")
        merged.setdefault(key, {}).update(extra.get(key) or {})
    for name, intent in (extra.get("intents") or {}).items():
        merged.setdefault("intents", {}).setdefault(name, {"data": []})["data"].extend(intent.get("data") or [])
    responses, added = merged.setdefault("responses", {}), extra.get("responses") or {}
    places = [(responses.setdefault("errors", {}), added.get("errors") or {}, "errors")]
    places += [(responses.setdefault("intents", {}).setdefault(intent, {}), texts or {}, f"intents.{intent}")
               for intent, texts in (added.get("intents") or {}).items()]
    for into, texts, path in places:
        for name, text in texts.items():
            if name in into:
                raise TemplateLanguageError(f"{where}: response {path}.{name} already defined by Home Assistant")
            into[name] = text
    return merged


def build_slot_lists(home: Home) -> dict[str, SlotList]:
    """Slot lists for names, areas and floors of this home."""
    names: list[tuple[str, str, dict[str, Any]]] = []
    for entity in home.entities:
        context = {"domain": entity.domain, **entity.attributes}
        if entity.device_class:
            context["device_class"] = entity.device_class
        names.extend((spoken, spoken, context) for spoken in entity.names)
    areas = [n for a in home.areas for n in (a.name, *a.aliases)]
    floors = [n for f in home.floors for n in (f.name, *f.aliases)]
    return {
        "name": TextSlotList(name=None, values=[TextSlotValue(_chunk(t), v, c) for t, v, c in names]),
        "area": TextSlotList(name=None, values=[TextSlotValue(_chunk(t), t) for t in areas]),
        "floor": TextSlotList(name=None, values=[TextSlotValue(_chunk(t), t) for t in floors]),
    }


@functools.lru_cache(maxsize=1 << 16)
def _chunk(text: str) -> TextChunk:
    """A name as hassil matches it (as ``TextSlotList.from_strings`` makes it), made once: a home
    rebuilt for each discovery batch keeps most of its names."""
    return TextChunk(normalize_text(text))


#: Lists longer than this are narrowed to the values the utterance may contain before matching.
_NARROW_ABOVE = 64


def said_names(slot_lists: dict[str, SlotList], text: str) -> dict[str, SlotList]:
    """The slot lists with only the names, areas and floors whose every word occurs in ``text``.
    hassil tries every value of a list at every place a template has it, so a command in a home of
    5,000 entities took seconds; a value with a word the utterance lacks cannot match it."""
    said = text.casefold()
    said += " " + "".join(said.split())  # names are matched across spaces ("客厅 灯" for 客厅灯)
    narrowed = dict(slot_lists)
    for key, slot_list in slot_lists.items():
        if isinstance(slot_list, TextSlotList) and len(slot_list.values) > _NARROW_ABOVE:
            kept = [v for v in slot_list.values if _may_be_said(v, said)]
            narrowed[key] = TextSlotList(name=slot_list.name, values=kept)
    return narrowed


def _may_be_said(value: TextSlotValue, said: str) -> bool:
    written = getattr(value.text_in, "text", None)
    if not isinstance(written, str):  # a template value: kept, it is matched as hassil reads it
        return True
    words = written.casefold().split()
    return all(w in said or w.strip(_PUNCTUATION) in said for w in words)


_PUNCTUATION = ".,;:!?'\"()[]-_"


def to_recognition(result: Optional[RecognizeResult]) -> Recognition:
    """hassil's result in Hearth's typed form."""
    if result is None:
        return Recognition(intent=None)
    slots = {name: entity.value for name, entity in result.entities.items()}
    texts = {name: (entity.text_clean or str(entity.value)) for name, entity in result.entities.items()}
    required = (result.intent_data.requires_context or {}) if result.intent_data is not None else {}
    return Recognition(
        intent=result.intent.name,
        slots=slots,
        slot_texts=texts,
        response_key=result.response,
        source=Source.TEMPLATE,
        confidence=1.0,
        requires={"domain": required["domain"]} if "domain" in required else {},
    )


class TemplateRecognizer:
    """Recognises Home Assistant intents from text with the official templates."""

    def __init__(self, home: Home, language: str = "en", language_data: Optional[dict[str, Any]] = None,
                 custom: Iterable[str] = ()) -> None:
        data = language_data if language_data is not None else load_language(language)
        self.language = language
        self.custom = frozenset(custom)
        """The user's own intents among the templates' (custom sentences)."""
        self.intents = Intents.from_dict(data)
        self.responses: dict[str, dict[str, str]] = data.get("responses", {}).get("intents", {})
        self.slot_lists = build_slot_lists(home)

    def template_texts(self) -> list[str]:
        """Every sentence template, expansion rule and fixed list value as written
        (``turn off [the] {name}``, ``red``), a custom file's own included, and the words templates skip
        ("please")."""
        blocks = [data for intent in self.intents.intents.values() for data in intent.data]
        texts = [s.text for data in blocks for s in data.sentences]
        rules = [*self.intents.expansion_rules.values(), *(r for data in blocks for r in data.expansion_rules.values())]
        texts += [rule.text for rule in rules]
        for slot_list in [*self.intents.slot_lists.values(), *(s for data in blocks for s in data.slot_lists.values())]:
            texts += [getattr(value.text_in, "text", "") for value in getattr(slot_list, "values", [])]
        return texts + list(self.intents.skip_words)

    def own_examples(self) -> list[str]:
        """One sentence of each of the user's intents, as hassil samples its first template (for the
        speech-to-text prompt: words of the user's grammar are heard as such)."""
        examples = []
        for name in sorted(self.custom):
            data = self.intents.intents[name].data[0]
            lists = {**self.intents.slot_lists, **self.slot_lists, **data.slot_lists}
            rules = {**self.intents.expansion_rules, **data.expansion_rules}
            try:
                example = next(iter(sample_expression(data.sentences[0].expression, lists, rules, self.language)))
            except (HassilError, StopIteration):
                continue
            if "{" not in example:  # a wildcard's place has no words to prime with
                examples.append(example)
        return examples

    def with_home(self, home: Home) -> "TemplateRecognizer":
        """A recogniser over another registry's names, areas and floors (the templates are shared)."""
        other = copy.copy(self)
        other.slot_lists = build_slot_lists(home)
        return other

    def only(self, intent_names: Iterable[str]) -> "TemplateRecognizer":
        """A recogniser that tries these intents' templates only (hassil's ``filter_intents``)."""
        other = copy.copy(self)
        other.intents = filter_intents(self.intents, intent_names=set(intent_names))
        return other

    def recognize(self, text: str, context: Optional[dict[str, Any]] = None) -> Recognition:
        """The best template match for ``text``; ``context`` is e.g. ``{"area": "Kitchen"}``. Numbers are
        read both ways: where the words with digits match nothing, the same with the digits spelled out
        ("zone 2" for a list that says "two"; range lists take both already)."""
        variants = [text]
        if any(c.isdigit() for c in text):
            variants.append(spell_digits(text, self.language))
        for variant in dict.fromkeys(variants):
            recognition = self._best(variant, context, self.intents)
            if recognition.intent is None and self.custom:
                recognition = self._best(variant, context, self._own)
            if recognition.intent is not None:
                return recognition
        return recognition

    @functools.cached_property
    def _own(self) -> Intents:
        """The user's intents without the language's skip words: a user who writes "I'd like a latte" means
        those words, which Home Assistant's English skips ("i'd like"), so that the sentence could never match."""
        return dataclasses.replace(filter_intents(self.intents, intent_names=set(self.custom)), skip_words=[])

    def unknown_name(self, text: str, context: Optional[dict[str, Any]], intents: Iterable[str],
                     most_words: int = 3) -> Optional[tuple[str, str]]:
        """Where ``text`` is a command of one of ``intents`` about a device by a name the home lacks ("turn
        on the sprinklers"), the intent and that name, as Home Assistant finds them: its templates with any
        words where a name goes (hassil's unmatched entities). A "name" of more than ``most_words`` words,
        or one of the home's areas or floors, is no device's name."""
        result = recognize_best(text, self.intents, slot_lists=said_names(self.slot_lists, text),
                                intent_context=context or {}, allow_unmatched_entities=True, language=self.language,
                                best_slot_name="name")
        unmatched = result.unmatched_entities.get("name") if result is not None else None
        if result is None or unmatched is None or result.intent.name not in intents:
            return None
        name = " ".join(str(unmatched.text).split())
        places = {normalize_text(str(v.value_out)).casefold() for key in ("area", "floor")
                  for v in getattr(self.slot_lists.get(key), "values", [])}
        if not name or len(name.split()) > most_words or name.casefold() in places:
            return None
        return result.intent.name, name

    def _best(self, text: str, context: Optional[dict[str, Any]], intents: Intents) -> Recognition:
        result = recognize_best(
            text,
            intents,
            slot_lists=said_names(self.slot_lists, text),
            intent_context=context or {},
            language=self.language,
            best_slot_name="name",
        )
        return to_recognition(result)


_WHOLE_NUMBER = re.compile(r"(?<![\d.,])\d{1,6}(?![\d.,%])")


def spell_digits(text: str, language: str) -> str:
    """``text`` with each whole number in words of ``language`` (Unicode's spell-out rules, as hassil's
    range lists use them): "zone 2" -> "zone two". Decimals and percentages stay as they are."""
    engine = _spell_engine(language.partition("-")[0])
    if engine is None:
        return text
    return _WHOLE_NUMBER.sub(lambda m: engine.format_number(int(m.group())).text, text)


@functools.lru_cache(maxsize=8)
def _spell_engine(code: str) -> Optional[RbnfEngine]:
    try:
        return RbnfEngine.for_language(code)
    except Exception:  # a language Unicode has no spell-out rules for: digits stay digits
        return None
