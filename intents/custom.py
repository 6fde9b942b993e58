"""A user's own sentences, in Home Assistant's custom-sentence format, checked and merged.

Home Assistant reads ``custom_sentences/<language>/*.yaml``: ``intents`` (each
with ``data`` blocks of ``sentences``, fixed ``slots``, ``requires_context``
...), ``lists`` (``values`` with ``in``/``out``, a ``range``, a ``wildcard``),
``expansion_rules`` and ``responses``. Hearth reads the same files from
``intents.custom_sentences``. Each file is checked on its own before it is
merged, and a file with a fault is left out whole, with one error naming the
file, the line and what is wrong: the other files and Home Assistant's
templates keep working. A file's lists and expansion rules are its own: they
are given to its sentences only (hassil's per-block lists), so a list named as
one of Home Assistant's (``zone``) changes none of Home Assistant's sentences.
A file may add sentences to a built-in intent (``HassTurnOn``), which keeps its
meaning; it may not redefine a response that Home Assistant or another file
defines.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml
from hassil import Intents
from hassil.expression import Expression, Group, ListReference, RuleReference
from hassil.parse_expression import parse_sentence

#: Lists Hearth fills from the home itself (Home Assistant does the same): a file cannot define them.
HOME_LISTS = frozenset({"name", "area", "floor"})
#: Keys of a file, of an intent's data block and of a list, as Home Assistant reads them.
FILE_KEYS = frozenset({"language", "intents", "lists", "expansion_rules", "responses", "skip_words"})
BLOCK_KEYS = frozenset({"sentences", "slots", "requires_context", "excludes_context", "expansion_rules",
                        "response", "metadata", "wildcards_need_literal_text", "required_keywords"})
LIST_KINDS = ("values", "range", "wildcard")


class CustomSentenceError(Exception):
    """A custom sentence file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class CustomSentences:
    """What a folder of custom sentence files adds to Home Assistant's templates."""

    data: dict[str, Any]
    """Home Assistant's data with the good files merged in."""
    intents: tuple[str, ...]
    """The intents the files define that Home Assistant has not (the user's own)."""
    errors: tuple[str, ...]
    """One line per file left out: ``file:line: what is wrong``."""


def language_folder(root: str | Path, language: str) -> Path:
    """``<root>/<language>``, as Home Assistant lays out ``custom_sentences``."""
    return Path(root).expanduser() / language.lower()


def stamp(root: Optional[str | Path], language: str) -> tuple[tuple[str, int, int], ...]:
    """The files' names, times and sizes: when it changes, the sentences are read again."""
    if root is None:
        return ()
    folder = language_folder(root, language)
    found = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def merge_custom(base: dict[str, Any], root: Optional[str | Path], language: str) -> CustomSentences:
    """``base`` (Home Assistant's language data) with every good file of ``<root>/<language>`` merged in."""
    if root is None:
        return CustomSentences(base, (), ())
    folder = language_folder(root, language)
    merged, errors = base, []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        try:
            added = _merge(merged, read_file(path, language, merged))
            _hassil_reads(added, path, language)
            merged = added
        except CustomSentenceError as err:
            errors.append(str(err))
    own = tuple(name for name in merged.get("intents", {}) if name not in base.get("intents", {}))
    return CustomSentences(merged, own, tuple(errors))


def read_file(path: Path, language: str, known: dict[str, Any]) -> dict[str, Any]:
    """One file's content, checked against ``known`` (what is merged so far); CustomSentenceError if not."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError) as err:
        raise CustomSentenceError(f"{path}: cannot be read: {err}") from None
    except RecursionError:
        raise CustomSentenceError(f"{path}: nested too deeply to be a sentence file") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise CustomSentenceError(f"{path}{line}: not YAML: {getattr(err, 'problem', None) or err}") from None
    lines: dict[tuple[str, ...], int] = {}
    try:
        content = _plain(node, (), lines) if node is not None else {}
    except RecursionError:
        raise CustomSentenceError(f"{path}: nested too deeply to be a sentence file") from None
    except yaml.YAMLError as err:
        raise CustomSentenceError(f"{path}: not YAML: {err}") from None
    _Checker(path, lines, language, known).file(content)
    return content


def _plain(node: yaml.Node, path: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> Any:
    """The node as Python data, noting the line of every key and item by its path."""
    lines.setdefault(path, node.start_mark.line + 1)  # a key's own line, where the path names a key
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else _CONSTRUCT.construct_object(key_node)
            lines[(*path, str(key))] = key_node.start_mark.line + 1
            out[key] = _plain(value_node, (*path, str(key)), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, str(i)), lines) for i, item in enumerate(node.value)]
    return _CONSTRUCT.construct_object(node, deep=True)


_CONSTRUCT = yaml.constructor.SafeConstructor()


class _Checker:
    """The checks of one file, each failing with the file, line and path of the fault."""

    def __init__(self, path: Path, lines: dict[tuple[str, ...], int], language: str, known: dict[str, Any]):
        self.path, self.lines, self.language, self.known = path, lines, language, known

    def fail(self, where: tuple[str, ...], what: str) -> CustomSentenceError:
        line = next((self.lines[where[:n]] for n in range(len(where), -1, -1) if where[:n] in self.lines), 1)
        dotted = ".".join(where)
        return CustomSentenceError(f"{self.path}:{line}: {dotted + ': ' if dotted else ''}{what}")

    def mapping(self, value: Any, where: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, found {type(value).__name__}")
        return value

    def file(self, content: Any) -> None:
        content = self.mapping(content, ())
        for key in content:
            if key not in FILE_KEYS:
                raise self.fail((key,), f"unknown key (expected one of {', '.join(sorted(FILE_KEYS))})")
        said = content.get("language")
        if said is not None and str(said).lower() != self.language.lower():
            raise self.fail(("language",), f"file is for '{said}', the folder for '{self.language}'")
        lists = self.mapping(content.get("lists") or {}, ("lists",))
        rules = self.mapping(content.get("expansion_rules") or {}, ("expansion_rules",))
        for name, spec in lists.items():
            self.slot_list(str(name), spec)
        for name, rule in rules.items():
            self.template(rule, ("expansion_rules", str(name)))
        known_lists = HOME_LISTS | set(self.known.get("lists") or {}) | set(lists)
        known_rules = set(self.known.get("expansion_rules") or {}) | set(rules)
        for name, intent in self.mapping(content.get("intents") or {}, ("intents",)).items():
            self.intent(str(name), intent, known_lists, known_rules)
        self.responses(content.get("responses") or {})

    def slot_list(self, name: str, spec: Any) -> None:
        where = ("lists", name)
        if name in HOME_LISTS:
            raise self.fail(where, f"'{name}' is filled from the home's devices, areas and floors")
        spec = self.mapping(spec, where)
        kinds = [kind for kind in LIST_KINDS if kind in spec]
        if len(kinds) != 1:
            raise self.fail(where, "a list has exactly one of: values, range, wildcard")
        if kinds == ["values"]:
            values = spec["values"]
            if not isinstance(values, list) or not values:
                raise self.fail((*where, "values"), "expected a non-empty list")
            for i, value in enumerate(values):
                spoken = value.get("in") if isinstance(value, dict) else value
                if not isinstance(spoken, str) or not spoken.strip():
                    raise self.fail((*where, "values", str(i)), "a value is text, or a mapping with 'in' text")
                self.template(spoken, (*where, "values", str(i)))
        elif kinds == ["range"]:
            bounds = self.mapping(spec["range"], (*where, "range"))
            if not all(isinstance(bounds.get(k), int) for k in ("from", "to")) or bounds["from"] > bounds["to"]:
                raise self.fail((*where, "range"), "a range needs whole numbers 'from' <= 'to'")
            if not isinstance(bounds.get("step", 1), int) or bounds.get("step", 1) < 1:
                raise self.fail((*where, "range", "step"), "step is a whole number of at least 1")
        elif spec["wildcard"] is not True:
            raise self.fail((*where, "wildcard"), "wildcard: true is the only form")

    def intent(self, name: str, intent: Any, lists: set[str], rules: set[str]) -> None:
        where = ("intents", name)
        blocks = self.mapping(intent, where).get("data")
        if not isinstance(blocks, list) or not blocks:
            raise self.fail((*where, "data"), "expected a list of blocks with 'sentences'")
        for i, block in enumerate(blocks):
            at = (*where, "data", str(i))
            block = self.mapping(block, at)
            unknown = set(block) - BLOCK_KEYS
            if unknown:
                raise self.fail((*at, sorted(unknown)[0]), f"unknown key (expected one of {', '.join(sorted(BLOCK_KEYS))})")
            sentences = block.get("sentences")
            if not isinstance(sentences, list) or not sentences:
                raise self.fail((*at, "sentences"), "expected a non-empty list of sentences")
            local_rules = rules | set(self.mapping(block.get("expansion_rules") or {}, (*at, "expansion_rules")))
            for j, sentence in enumerate(sentences):
                parsed = self.template(sentence, (*at, "sentences", str(j)))
                self.references(parsed, (*at, "sentences", str(j)), lists, local_rules)
            for key in ("slots", "requires_context", "excludes_context"):
                self.mapping(block.get(key) or {}, (*at, key))

    def template(self, text: Any, where: tuple[str, ...]) -> Expression:
        if not isinstance(text, str) or not text.strip():
            raise self.fail(where, "expected a sentence template (text)")
        try:
            return parse_sentence(text).expression
        except Exception as err:  # hassil's ParseError and the IndexError of a lone bracket
            raise self.fail(where, f"not a template: {err}") from None

    def references(self, expression: Expression, where: tuple[str, ...], lists: set[str], rules: set[str]) -> None:
        for part in _parts(expression):
            if isinstance(part, ListReference) and part.list_name not in lists and not _inline_range(part):
                raise self.fail(where, f"no list '{{{part.list_name}}}' (define it under lists:)")
            if isinstance(part, RuleReference) and part.rule_name not in rules:
                raise self.fail(where, f"no expansion rule '<{part.rule_name}>'")

    def responses(self, responses: Any) -> None:
        responses = self.mapping(responses, ("responses",))
        for intent, texts in self.mapping(responses.get("intents") or {}, ("responses", "intents")).items():
            known = ((self.known.get("responses") or {}).get("intents") or {}).get(intent) or {}
            for key in self.mapping(texts, ("responses", "intents", str(intent))):
                if key in known:
                    raise self.fail(("responses", "intents", str(intent), str(key)), "response already defined")


def _hassil_reads(data: dict[str, Any], path: Path, language: str) -> None:
    """What the checks passed, hassil must read too (a safety net: a file never stops the start-up)."""
    try:
        Intents.from_dict({**data, "language": language})
    except Exception as err:  # hassil raises what its parsing meets; any of it means this file is left out
        raise CustomSentenceError(f"{path}: hassil cannot read it: {type(err).__name__}: {err}") from None


def _inline_range(reference: ListReference) -> bool:
    return getattr(reference, "_inline_range_match", None) is not None


def _parts(expression: Expression) -> Iterator[Expression]:
    yield expression
    if isinstance(expression, Group):
        for item in expression.items:
            yield from _parts(item)


def _merge(data: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``data`` with one checked file added: its sentence blocks after Home Assistant's for the same
    intent, each block carrying the file's lists and rules."""
    merged = copy.copy(data)
    lists, rules = extra.get("lists") or {}, extra.get("expansion_rules") or {}
    merged["intents"] = dict(data.get("intents") or {})
    for name, intent in (extra.get("intents") or {}).items():
        blocks = [{**block, "lists": {**lists, **(block.get("lists") or {})},
                   "expansion_rules": {**rules, **(block.get("expansion_rules") or {})}} for block in intent["data"]]
        old = merged["intents"].get(name) or {"data": []}
        merged["intents"][name] = {**old, "data": [*old.get("data", []), *blocks]}
    added = (extra.get("responses") or {}).get("intents") or {}
    if added:
        responses = dict(data.get("responses") or {})
        intents = dict(responses.get("intents") or {})
        for name, texts in added.items():
            intents[name] = {**(intents.get(name) or {}), **texts}
        merged["responses"] = {**responses, "intents": intents}
    if extra.get("skip_words"):
        merged["skip_words"] = [*(data.get("skip_words") or []), *extra["skip_words"]]
    return merged
