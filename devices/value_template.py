"""Home Assistant's MQTT templates (``value_template``, ``command_template``...) in a sandbox.

Discovery configs carry Jinja2 templates that turn a state payload into a
value (``{{ value_json.temperature }}``) or a value into a command payload
(``{"position": {{ position }}}``). They come from the broker, so they run in
Jinja2's immutable sandbox with only the handful of Home Assistant filters
that device firmwares use, and their output is bounded.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError as JinjaError
from jinja2 import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: Longest rendered text accepted (a state is at most 255 characters in Home Assistant).
MAX_OUTPUT = 4096


class TemplateError(Exception):
    """A template that does not compile or render; one line."""


def _number(kind: type, value: Any, default: Any = None) -> Any:
    try:
        return kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError):
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


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=Undefined, autoescape=False)
    env.filters.update({
        "int": lambda v, default=None: _number(int, v, default),
        "float": lambda v, default=None: _number(float, v, default),
        "is_defined": _is_defined,
        "iif": _iif,
        "to_json": json.dumps, "tojson": json.dumps,
        "from_json": json.loads,
    })
    env.globals.update({"int": env.filters["int"], "float": env.filters["float"], "iif": _iif})
    return env


_ENV = _environment()


@lru_cache(maxsize=512)
def _compile(source: str) -> Any:
    try:
        return _ENV.from_string(source)
    except JinjaError as err:
        raise TemplateError(f"template does not compile: {err}") from None


def check(source: str) -> None:
    """Raise TemplateError when ``source`` is not a valid template (at discovery time)."""
    _compile(source)


def render(source: str, **variables: Any) -> str:
    """Render with the given variables; raises TemplateError on any failure."""
    try:
        text = _compile(source).render(**variables)
    except TemplateError:
        raise
    except Exception as err:  # noqa: BLE001 - a template can fail in any way; it is data
        raise TemplateError(f"template failed: {type(err).__name__}: {err}") from None
    if len(text) > MAX_OUTPUT:
        raise TemplateError(f"template output too long ({len(text)} characters)")
    return text.strip()


def render_value(source: str, payload: str) -> str:
    """A state template: ``value`` is the payload, ``value_json`` the payload parsed as JSON."""
    try:
        value_json: Any = json.loads(payload)
    except ValueError:
        value_json = Undefined(name="value_json")
    return render(source, value=payload, value_json=value_json)
