"""Resolve `{path}` references between tokens and check each value matches its type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from perfdesk.theme.tokens import DesignToken, FlatTokens, TokenError

_REF = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")
_WHOLE_REF = re.compile(r"^\{([A-Za-z0-9_.\-]+)\}$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")
_PX = re.compile(r"^-?\d+(\.\d+)?px$")
_MS = re.compile(r"^\d+(\.\d+)?ms$")


def resolve_all(tokens: FlatTokens) -> dict[str, DesignToken]:
    """Every token with references replaced by values; raises TokenError naming the path."""
    done: dict[str, DesignToken] = {}
    for path in tokens:
        done[path] = _resolve_token(path, tokens, done, ())
    for path, token in done.items():
        check_type(path, token)
    return done


def _resolve_token(
    path: str, tokens: FlatTokens, done: dict[str, DesignToken], stack: tuple[str, ...]
) -> DesignToken:
    if path in done:
        return done[path]
    if path in stack:
        raise TokenError(f"token {stack[0]}: circular reference {' -> '.join((*stack, path))}")
    token = tokens[path]
    value = _resolve_value(token.value, tokens, done, (*stack, path))
    resolved = token.model_copy(update={"value": value})
    done[path] = resolved
    return resolved


def _resolve_value(
    value: Any, tokens: FlatTokens, done: dict[str, DesignToken], stack: tuple[str, ...]
) -> Any:
    if isinstance(value, dict):
        return {k: _resolve_value(v, tokens, done, stack) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_value(v, tokens, done, stack) for v in value]
    if not isinstance(value, str) or "{" not in value:
        return value
    whole = _WHOLE_REF.match(value)
    if whole:
        return _lookup(whole.group(1), tokens, done, stack).value
    return _REF.sub(lambda m: str(_lookup(m.group(1), tokens, done, stack).value), value)


def _lookup(
    ref: str, tokens: FlatTokens, done: dict[str, DesignToken], stack: tuple[str, ...]
) -> DesignToken:
    if ref not in tokens:
        raise TokenError(f"token {stack[-1]} refers to unknown token {{{ref}}}")
    return _resolve_token(ref, tokens, done, stack)


def check_type(path: str, token: DesignToken) -> None:
    """Raise TokenError when a resolved value does not fit its `$type`."""
    value = token.value
    checks: dict[str, Callable[[], object]] = {
        "color": lambda: isinstance(value, str) and _HEX.match(value),
        "dimension": lambda: isinstance(value, str) and _PX.match(value),
        "duration": lambda: isinstance(value, str) and _MS.match(value),
        "fontFamily": lambda: isinstance(value, list) and all(isinstance(v, str) for v in value),
        "typography": lambda: isinstance(value, dict) and {"fontSize", "fontFamily"} <= set(value),
        "transition": lambda: isinstance(value, dict) and _MS.match(str(value.get("duration"))),
    }
    check = checks.get(token.type or "")
    if check is not None and not check():
        raise TokenError(f"token {path}: {value!r} is not a valid {token.type}")
