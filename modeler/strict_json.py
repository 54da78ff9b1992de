"""The one hardened way to read JSON sent by users.

Pure module: no Django import. Refuses what Python's json module silently accepts or crashes
on: duplicate keys (json keeps the last), NaN/Infinity (also as `1e999`), huge integers,
nesting deeper than a limit (json raises RecursionError, which is not a ValueError), invalid
UTF-8, and strings no database or file can hold: NUL characters and unpaired surrogates
(`"\ud800"`), which PostgreSQL refuses and UTF-8 cannot encode.

The walk of a parsed document runs in C when modeler/_json_walk.pyx is built (`_JSON_WALK`);
its Python form (`_plain_keys_py`) is the reference.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any, NamedTuple

import orjson

from modeler import fast_json

MAX_DEPTH = 64
MAX_INT_DIGITS = 30
_UTF8_BOM = codecs.BOM_UTF8
_UNREAD = object()  # what `_read_utf8` gives for a document it leaves to the checked path


class JSONInputError(ValueError):
    """Unreadable JSON; `code` is the stable machine code of the API error."""

    def __init__(self, message: str, code: str = "malformed_json") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONInputError(f"Duplicate key '{key}' in JSON object", "duplicate_key")
            seen.add(key)
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


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError(f"'{text[:40]}' is too large for a JSON number", "invalid_number")
    return value


UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
# In JSON text, NUL and surrogates can only come as escapes (raw, they are invalid JSON or
# invalid UTF-8); only a document holding such an escape needs its strings walked.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_UNSTORABLE_ESCAPE_BYTES = re.compile(_UNSTORABLE_ESCAPE.pattern.encode())  # (ASCII: same bytes)


def _check_text(text: str, path: list) -> None:
    found = UNSTORABLE_TEXT.search(text)
    if found is None:
        return
    where = "#/" + "/".join(str(part) for part in path) if path else "#"
    what = "the NUL character (\\u0000)" if found.group() == "\x00" else "an unpaired surrogate"
    raise JSONInputError(f"JSON text at {where} contains {what}, which cannot be stored", "invalid_text")


def _too_deep(max_depth: int) -> JSONInputError:
    return JSONInputError(f"JSON nesting is deeper than {max_depth} levels", "json_too_deep")


def _check_depth(value: Any, max_depth: int) -> None:
    """Refuse nesting deeper than max_depth, walking containers iteratively (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise _too_deep(max_depth)
        for child in node.values() if type(node) is dict else node:
            kind = type(child)
            if kind is dict or kind is list:
                if child:
                    stack.append((child, depth + 1))
                elif depth + 1 > max_depth:
                    raise _too_deep(max_depth)


def _check_strings(value: Any) -> None:
    """Refuse NUL and unpaired surrogates in any key or string, naming where."""
    stack: list[tuple[Any, list]] = [(value, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            _check_text(node, path)
            continue
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if isinstance(key, str):
                _check_text(key, path)
            if isinstance(child, str | dict | list):
                stack.append((child, [*path, key]))


_INT_LIMIT = 10**MAX_INT_DIGITS  # an integer of more than MAX_INT_DIGITS digits is at least this
# A key's separator: the key's closing quote, JSON whitespace, then the colon.
_KEY_SEPARATOR = re.compile(r'"[ \t\n\r]*:')
_KEY_SEPARATOR_BYTES = re.compile(_KEY_SEPARATOR.pattern.encode())


class _Plain(NamedTuple):
    keys: int  # of every object of the document
    floats: bool  # it holds a float


def _plain_keys_py(value: Any, max_depth: int) -> _Plain | None:
    """The number of keys of every object in a document json.loads read without hooks (and
    whether it holds a float), or None when it holds something the checked parse refuses
    (nesting deeper than max_depth, a number that is not finite or has more than MAX_INT_DIGITS
    digits)."""
    kind = type(value)
    if kind is not dict and kind is not list:
        if kind is float:
            return _Plain(0, True) if math.isfinite(value) else None
        return None if kind is int and not -_INT_LIMIT < value < _INT_LIMIT else _Plain(0, False)
    keys = 0
    floats = False
    level: list[Any] = [value]  # the containers at `depth`, a level at a time (no recursion)
    depth = 1
    isfinite = math.isfinite
    while level:
        if depth > max_depth:
            return None
        below: list[Any] = []
        add = below.append
        for node in level:
            if type(node) is dict:
                keys += len(node)
                children = node.values()
            else:
                children = node
            for child in children:
                kind = type(child)
                if kind is str:
                    continue
                if kind is dict or kind is list:
                    if child:
                        add(child)
                    elif depth + 1 > max_depth:
                        return None
                elif kind is float:
                    if not isfinite(child):
                        return None
                    floats = True
                elif kind is int and not -_INT_LIMIT < child < _INT_LIMIT:
                    return None
        level = below
        depth += 1
    return _Plain(keys, floats)


def _native_walk():
    """modeler._json_walk (the same walk of the containers, in C), when it was compiled (bin/setup
    builds it); else None, and the Python walk runs."""
    try:
        from modeler import _json_walk
    except ImportError:
        return None
    return _json_walk


_JSON_WALK = _native_walk()
_NATIVE_MAX_DEPTH = 1000  # (the C walk recurses once per level: deeper limits walk in Python)


def _plain_keys(value: Any, max_depth: int) -> _Plain | None:
    """`_plain_keys_py`, in C for a document that is an object or an array when `_JSON_WALK` is there."""
    kind = type(value)
    if _JSON_WALK is None or (kind is not dict and kind is not list) or max_depth > _NATIVE_MAX_DEPTH:
        return _plain_keys_py(value, max_depth)
    found = _JSON_WALK.plain_keys(value, max_depth, _INT_LIMIT)
    return None if found is None else _Plain(*found)


def _no_duplicate_keys(text: str | bytes, keys: int) -> bool:
    """True when the text holds no more keys than the `keys` its objects kept, that is when no
    object repeats a key (json.loads keeps the last one and says nothing).

    Every key of the text is followed by one colon outside any string, so the colons of the
    text, and the key-closing-quote-then-colon sequences, are each at least as many as its
    keys: when either count equals the keys kept, none was dropped. (A colon inside a string
    only makes the count larger, which sends the document to the checked parse: never wrong.)
    """
    if isinstance(text, bytes):  # (in UTF-8, no byte of a multi-byte character is a quote or a colon)
        return text.count(b":") == keys or len(_KEY_SEPARATOR_BYTES.findall(text)) == keys
    return text.count(":") == keys or len(_KEY_SEPARATOR.findall(text)) == keys


def _checked_loads(text: str, max_depth: int) -> Any:
    """The parse that checks every object and number as it reads them (and says which rule broke)."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs_without_duplicates,
            parse_constant=_refuse_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except JSONInputError:
        raise
    except RecursionError as exc:
        raise JSONInputError(f"JSON nesting is deeper than {max_depth} levels", "json_too_deep") from exc
    except json.JSONDecodeError as exc:
        raise JSONInputError(f"Malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except ValueError as exc:
        raise JSONInputError(f"Malformed JSON: {exc}") from exc
    if isinstance(value, dict | list):
        _check_depth(value, max_depth)
    return value


def _read_utf8(data: bytes, max_depth: int) -> Any:
    """`loads` of UTF-8 bytes read by orjson straight from them (no decoding to text first), or
    _UNREAD for anything else than a document that passes: what orjson refuses (not UTF-8, not
    JSON, empty) and what breaks a rule or may repeat a key go to `loads`' other path, which
    says why as it always did. orjson reads an integer beyond 64 bits as a float: a document
    holding a float is only taken when its text has no run of 19 digits (`fast_json`)."""
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _UNREAD
    plain = _plain_keys(value, max_depth)
    if plain is None or (plain.floats and fast_json.has_long_number(body)):
        return _UNREAD
    if not _no_duplicate_keys(body, plain.keys):
        return _UNREAD
    if b"\\" in body and _UNSTORABLE_ESCAPE_BYTES.search(body):  # (memchr first: most have no escape)
        _check_strings(value)
    return value


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON bytes strictly, raising JSONInputError with a message a user can act on.

    The document is first read without hooks (orjson, or json.loads for long numbers: a C parser
    builds the objects; UTF-8 bytes straight by orjson, `_read_utf8`), then one walk checks
    depth and numbers and counts the keys; a document that breaks a rule, may repeat a key, or
    fails to parse is read again by the checked parse, which raises the error it always raised.
    Both reads give the same value for a document that passes.
    """
    if isinstance(data, bytes):
        value = _read_utf8(data, max_depth)
        if value is not _UNREAD:
            return value
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
        value = fast_json.loads(text)  # json.loads's value, by orjson where it is the same
        plain = _plain_keys(value, max_depth)
    except (ValueError, RecursionError):
        plain = None
    if plain is None or not _no_duplicate_keys(text, plain.keys):
        value = _checked_loads(text, max_depth)
    if _UNSTORABLE_ESCAPE.search(text):
        _check_strings(value)
    return value
