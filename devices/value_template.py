"""Home Assistant's MQTT templates (``value_template``, ``command_template``...) in a sandbox.

Discovery configs carry Jinja2 templates that turn a state payload into a
value (``{{ value_json.temperature }}``) or a value into a command payload
(``{"position": {{ position }}}``). They come from the broker, so they run in
Jinja2's immutable sandbox with only the handful of Home Assistant filters
that device firmwares use, and every render is bounded: the sandbox alone
stops a template from reaching Python's internals, not from spinning the MQTT
thread for seconds (nested loops) or building gigabytes (``"x" * 10**9``).

The bounds: loops share an iteration budget and a time budget per render
(every ``for`` iterates through :func:`_Sandbox.hearth_loop`); ``range`` is
capped; ``*``, ``**``, ``%`` and ``replace`` are checked for the size of what
they would build before they build it; padding methods and filters are gone;
macros, call blocks and recursive loops are refused when a template is
compiled (device templates never need them, and they recurse without a loop);
and the output is bounded while it is produced.
"""

from __future__ import annotations

import json
import re
import threading
import time
from functools import lru_cache
from typing import Any, Iterable, Iterator

from jinja2 import TemplateError as JinjaError
from jinja2 import Undefined, nodes
from jinja2.filters import do_replace
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: Longest rendered text accepted (a state is at most 255 characters in Home Assistant).
MAX_OUTPUT = 4096
#: Loop iterations per render, all loops together (a device template loops over a payload's few keys).
MAX_ITERATIONS = 10_000
#: Largest ``range()``.
MAX_RANGE = 1_000
#: Longest string or list one operation may build (a payload is at most 64 KiB).
MAX_SIZE = 65_536
#: Seconds one render may take: states and commands are rendered on the MQTT network thread.
TIME_BUDGET = 0.05

_UNSAFE_STR_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "format", "format_map"})
_UNSAFE_FILTERS = ("center", "indent", "wordwrap", "format", "urlize", "xmlattr", "filesizeformat")
_UNSAFE_GLOBALS = ("lipsum", "cycler", "joiner", "namespace")  # namespace: state carried across iterations
_PRINTF_WIDTH = re.compile(r"%[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")


class TemplateError(Exception):
    """A template that does not compile or render, or that ran over its bounds; one line."""


class JsonTooDeep(ValueError):
    """A JSON payload nested deeper than Python's parser recurses (it raises RecursionError)."""


class _Budget(threading.local):
    """The running render's budget (renders happen on several threads at once)."""

    deadline: float = float("inf")
    iterations: int = MAX_ITERATIONS


_BUDGET = _Budget()


def _spend(steps: int = 0) -> None:
    _BUDGET.iterations -= steps
    if _BUDGET.iterations < 0:
        raise TemplateError(f"template loops more than {MAX_ITERATIONS} times")
    if time.perf_counter() > _BUDGET.deadline:
        raise TemplateError(f"template took longer than {TIME_BUDGET * 1000:g} ms")


def _sized(size: int, what: str) -> None:
    if size > MAX_SIZE:
        raise TemplateError(f"{what} would build {size} items (at most {MAX_SIZE})")


def _check_printf(text: str) -> None:
    """``"%999999999d" % 1`` builds a gigabyte before anything can look at it."""
    for match in _PRINTF_WIDTH.finditer(text):
        for number in match.groups():
            if number == "*" or (number and int(number) > 100):
                raise TemplateError(f"format width or precision {number!r} refused")


def _replace(text: Any, old: Any, new: Any, count: Any = None) -> Any:
    """``replace`` whose result is checked first: ``value.replace("", value)`` squares the payload."""
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        hits = text.count(old) if old else len(text) + 1
        _sized(len(text) + hits * max(0, len(new) - len(old)), "replace")
    return text.replace(old, new) if count is None else text.replace(old, new, count)


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with bounds on time, loops and sizes."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def _parse(self, source: str, name: Any, filename: Any) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for node in tree.find_all((nodes.Macro, nodes.CallBlock)):
            raise TemplateError(f"template uses {type(node).__name__.lower()} (refused)")
        for loop in tree.find_all(nodes.For):
            if loop.recursive:
                raise TemplateError("template uses a recursive loop (refused)")
            # Every loop iterates through the budget (an environment attribute: a template cannot shadow it).
            loop.iter = nodes.Call(nodes.EnvironmentAttribute("hearth_loop"), [loop.iter], [], None, None,
                                   lineno=loop.lineno)
        return tree

    @staticmethod
    def hearth_loop(iterable: Iterable[Any]) -> Iterator[Any]:
        if isinstance(iterable, Undefined):
            iterable = ()
        for item in iterable:
            _spend(1)
            yield item

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _UNSAFE_STR_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        _spend()
        if getattr(__obj, "__name__", None) == "replace" and isinstance(getattr(__obj, "__self__", None), str):
            return _replace(__obj.__self__, *args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _spend()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    _sized(len(seq) * times, "'*'")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if max(1, abs(left).bit_length()) * right > 4096:
                raise TemplateError("'**' result too large")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left)
        return super().call_binop(context, operator, left, right)


def load_json(text: str | bytes) -> Any:
    """``json.loads`` for payloads off the broker: JsonTooDeep (a ValueError), never RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise JsonTooDeep("JSON nested too deeply") from None


def _number(kind: type, value: Any, default: Any = None) -> Any:
    try:
        return kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError, OverflowError):
        if default is None:
            raise ValueError(f"{value!r} is not a number") from None
        return default


def _iif(value: Any, if_true: Any = True, if_false: Any = False, if_none: Any = None) -> Any:
    if value is None and if_none is not None:
        return if_none
    return if_true if value else if_false


def _is_defined(value: Any) -> Any:
    if isinstance(value, Undefined):
        raise ValueError("value is not defined")
    return value


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateError(f"range of {len(numbers)} (at most {MAX_RANGE})")
    return numbers


def _replace_filter(eval_ctx: Any, text: Any, old: str, new: str, count: Any = None) -> Any:
    if isinstance(text, str):
        _replace(text, str(old), str(new))
    return do_replace(eval_ctx, text, old, new, count)


_replace_filter.jinja_pass_arg = do_replace.jinja_pass_arg  # type: ignore[attr-defined]


def _environment() -> _Sandbox:
    env = _Sandbox(undefined=Undefined, autoescape=False)
    for name in _UNSAFE_FILTERS:
        env.filters.pop(name, None)
    for name in _UNSAFE_GLOBALS:
        env.globals.pop(name, None)
    env.filters.update({
        "int": lambda v, default=None: _number(int, v, default),
        "float": lambda v, default=None: _number(float, v, default),
        "is_defined": _is_defined,
        "iif": _iif,
        "to_json": json.dumps, "tojson": json.dumps,
        "from_json": load_json,
        "replace": _replace_filter,
    })
    env.globals.update({"int": env.filters["int"], "float": env.filters["float"], "iif": _iif, "range": _range})
    return env


_ENV = _environment()


@lru_cache(maxsize=512)
def _compile(source: str) -> Any:
    try:
        return _ENV.from_string(source)
    except JinjaError as err:
        raise TemplateError(f"template does not compile: {err}") from None
    except RecursionError:
        raise TemplateError("template nested too deeply") from None


def check(source: str) -> None:
    """Raise TemplateError when ``source`` is not a valid template (at discovery time)."""
    _compile(source)


def render(source: str, **variables: Any) -> str:
    """Render with the given variables; raises TemplateError on any failure or bound passed."""
    template = _compile(source)
    _BUDGET.deadline, _BUDGET.iterations = time.perf_counter() + TIME_BUDGET, MAX_ITERATIONS
    pieces, length = [], 0
    try:
        for piece in template.generate(**variables):  # piece by piece: stop as soon as it is too long
            length += len(piece)
            if length > MAX_OUTPUT:
                raise TemplateError(f"template output too long (over {MAX_OUTPUT} characters)")
            pieces.append(piece)
    except TemplateError:
        raise
    except Exception as err:  # noqa: BLE001 - a template can fail in any way; it is data
        raise TemplateError(f"template failed: {type(err).__name__}: {str(err)[:200]}") from None
    finally:
        _BUDGET.deadline = float("inf")
    return "".join(pieces).strip()


def render_value(source: str, payload: str) -> str:
    """A state template: ``value`` is the payload, ``value_json`` the payload parsed as JSON."""
    try:
        value_json: Any = load_json(payload)
    except JsonTooDeep as err:
        raise TemplateError(f"payload: {err}") from None
    except ValueError:
        value_json = Undefined(name="value_json")
    return render(source, value=payload, value_json=value_json)
