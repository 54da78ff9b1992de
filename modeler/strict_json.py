"""The one hardened way to read JSON sent by users.

Pure module: no Django import. Refuses what Python's json module silently accepts or crashes
on: duplicate keys (json keeps the last), NaN/Infinity, huge integers, nesting deeper than a
limit (json raises RecursionError, which is not a ValueError), invalid UTF-8.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
MAX_INT_DIGITS = 30


class JSONInputError(ValueError):
    """Unreadable JSON; `code` is the stable machine code of the API error."""

    def __init__(self, message: str, code: str = "malformed_json") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JSONInputError(f"Duplicate key '{key}' in JSON object", "duplicate_key")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise JSONInputError(f"'{name}' is not a valid JSON number", "invalid_number")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JSONInputError(
            f"Integer with {len(text)} digits is too large (at most {MAX_INT_DIGITS})",
            "invalid_number",
        )
    return int(text)


def _check_depth(value: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise JSONInputError(f"JSON nesting is deeper than {max_depth} levels", "json_too_deep")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON bytes strictly, raising JSONInputError with a message a user can act on."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONInputError(f"JSON is not valid UTF-8 (byte {exc.start})", "invalid_encoding") from exc
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise JSONInputError("JSON body is empty")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs_without_duplicates,
            parse_constant=_refuse_constant,
            parse_int=_bounded_int,
        )
    except JSONInputError:
        raise
    except RecursionError as exc:
        raise JSONInputError(f"JSON nesting is deeper than {max_depth} levels", "json_too_deep") from exc
    except json.JSONDecodeError as exc:
        raise JSONInputError(f"Malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except ValueError as exc:
        raise JSONInputError(f"Malformed JSON: {exc}") from exc
    _check_depth(value, max_depth)
    return value
