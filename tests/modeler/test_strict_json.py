"""modeler.strict_json: every rule refused with its code, and the fast read (json.loads without
hooks, then one walk) giving exactly what the checked parse gives, value or error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modeler import strict_json
from modeler.strict_json import JSONInputError


def refused(text: str | bytes) -> JSONInputError:
    with pytest.raises(JSONInputError) as caught:
        strict_json.loads(text)
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a" : 1, "b": {"c": [1, {"d": 1, "d": 1}]}}',
        '{"x": "a:b:c", "y": {"k": 1, "k": 2}}',  # colons in strings: the fast count cannot decide
        '{"x": "\\":", "k": 1, "k": 1}',  # a quote-colon inside a string
        '{"k"\t\r\n :1, "k"  :1}',
        '[{"a": {}}, {"a": {}, "a": []}]',
        '{"\\u0061": 1, "a": 2}',  # the same key spelled with an escape
    ],
)
def test_duplicate_keys_are_refused_wherever_they_are(text):
    assert refused(text).code == "duplicate_key"


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("NaN", "invalid_number", "'NaN' is not a valid JSON number"),
        ('{"a": [Infinity]}', "invalid_number", "'Infinity' is not a valid JSON number"),
        ('{"a": -Infinity}', "invalid_number", "'-Infinity' is not a valid JSON number"),
        ('{"a": 1e999}', "invalid_number", "'1e999' is too large for a JSON number"),
        ("[-1e400]", "invalid_number", "'-1e400' is too large for a JSON number"),
        ('{"a": ' + "9" * 31 + "}", "invalid_number", "Integer with 31 digits is too large (at most 30)"),
        ("-" + "1" * 31, "invalid_number", "Integer with 32 digits is too large (at most 30)"),
        ("[" + "7" * 5000 + "]", "invalid_number", "Integer with 5000 digits is too large (at most 30)"),
    ],
)
def test_numbers_out_of_range_are_refused_with_their_message(text, code, message):
    error = refused(text)
    assert (error.code, error.message) == (code, message)


def test_thirty_digit_integers_and_finite_floats_are_read():
    assert strict_json.loads('{"a": ' + "9" * 30 + ', "b": -1.5e308, "c": 1e-400}') == {
        "a": int("9" * 30),
        "b": -1.5e308,
        "c": 0.0,
    }


def nested(depth: int, inner: str = "1") -> str:
    return '{"a": ' * depth + inner + "}" * depth


def test_nesting_up_to_the_limit_is_read_and_deeper_is_refused():
    assert strict_json.loads(nested(64)) is not None
    assert strict_json.loads(nested(63, "{}")) is not None
    assert refused(nested(65)).code == "json_too_deep"
    assert refused(nested(64, "[]")).code == "json_too_deep"  # an empty container is a level too
    assert refused("[" * 5000 + "]" * 5000).code == "json_too_deep"


def test_max_depth_is_the_callers():
    with pytest.raises(JSONInputError) as caught:
        strict_json.loads(nested(3), max_depth=2)
    assert caught.value.code == "json_too_deep"
    assert strict_json.loads(nested(2), max_depth=2) == {"a": {"a": 1}}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"a": "\\u0000"}', "invalid_text"),
        (b'{"\\ud800": 1}', "invalid_text"),
        (b'{"a": "\xff"}', "invalid_encoding"),
        (b"   ", "malformed_json"),
        (b'{"a": 1', "malformed_json"),
        (b'{"a": 1} x', "malformed_json"),
    ],
)
def test_unreadable_and_unstorable_input_is_refused(data, code):
    assert refused(data).code == code


def test_the_first_error_in_the_text_wins_as_before():
    # An object closed with a repeated key before a syntax error is the duplicate (the fast read
    # alone would only see the syntax error); a syntax error inside the object comes first.
    assert refused('[{"a": 1, "a": 2}, ]').code == "duplicate_key"
    assert refused('{"a": 1, "a": 2, "b": }').code == "malformed_json"
    assert refused('[{"b": }, {"a": 1, "a": 2}]').code == "malformed_json"


def test_a_byte_order_mark_is_skipped():
    assert strict_json.loads("\ufeff".encode() + b'{"a": "b:c"}') == {"a": "b:c"}


# --- the fast read against the checked parse ------------------------------------------------

keys = st.sampled_from(["a", "b", "a:b", '"', '":', "\\", "k"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["x", "a:b", '":', "", "{[", "\u00e9"]),
    st.integers(min_value=-(10**32), max_value=10**32),
    st.sampled_from(["1e999", "-1e999", "NaN", "Infinity", "1.5", "-0.0", "1e-999"]).map(
        lambda t: ("raw", t)
    ),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(st.tuples(keys, inner), max_size=4).map(lambda pairs: ("object", pairs)),
    ),
    max_leaves=20,
)
spaces = st.sampled_from(["", " ", "\n  ", "\t"])


def dump(value, space: str) -> str:
    """JSON text that may repeat keys and hold raw number spellings (json.dumps cannot)."""
    if isinstance(value, tuple) and value[0] == "raw":
        return value[1]
    if isinstance(value, tuple) and value[0] == "object":
        return "{" + ",".join(f"{json.dumps(k)}{space}:{space}{dump(v, space)}" for k, v in value[1]) + "}"
    if isinstance(value, list):
        return "[" + f",{space}".join(dump(v, space) for v in value) + "]"
    return json.dumps(value)


def outcome(read, text: str):
    try:
        return ("value", read(text))
    except JSONInputError as exc:
        return ("error", exc.code, exc.message)


@settings(max_examples=400, deadline=None)
@given(documents, spaces)
def test_the_fast_read_gives_what_the_checked_parse_gives(document, space):
    text = dump(document, space)
    checked = outcome(lambda t: strict_json._checked_loads(t, strict_json.MAX_DEPTH), text)
    assert repr(outcome(strict_json.loads, text)) == repr(checked)  # repr: nan != nan, -0.0 == 0.0
    # UTF-8 bytes take orjson's read straight from them (`_read_utf8`): the same outcome
    assert repr(outcome(strict_json.loads, text.encode())) == repr(checked)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 18446744073709551616, "b": 1.5}',  # orjson: a float for the integer
        b'{"a": -9223372036854775809, "b": [0.25]}',
        b'{"a": 18446744073709551615, "b": 2}',  # 64 bits: orjson's int
        b'{"a": 1234567890123456789012345678, "b": 1.5}',
    ],
)
def test_integers_beyond_64_bits_keep_their_value_from_bytes(text):
    assert strict_json.loads(text) == json.loads(text)
    assert [type(v) for v in strict_json.loads(text).values()] == [type(v) for v in json.loads(text).values()]


def test_bytes_read_straight_by_orjson_are_not_decoded_first(monkeypatch):
    # The usual document (an archive's extensions file) never goes through the text path.
    monkeypatch.setattr(strict_json.fast_json, "loads", lambda text: pytest.fail("text path taken"))
    assert strict_json.loads(b'\xef\xbb\xbf{"a": {"b": [1, 2.5, "c:d"]}, "e": null}') == {
        "a": {"b": [1, 2.5, "c:d"]},
        "e": None,
    }


# --- the C walk (modeler._json_walk) against the Python walk it stands for ---------------------

values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.text(max_size=3),
        st.integers(min_value=-(10**32), max_value=10**32),
        st.floats(allow_nan=True, allow_infinity=True),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=2), inner, max_size=4)
    ),
    max_leaves=30,
)


def test_the_c_walk_is_built_and_used():
    """bin/setup compiles it; the Python walk is only a fallback for a checkout where it was not."""
    assert strict_json._JSON_WALK is not None


@settings(max_examples=600, deadline=None)
@given(values.filter(lambda v: isinstance(v, dict | list)), st.integers(min_value=1, max_value=6))
def test_the_c_walk_gives_what_the_python_walk_gives(value, max_depth):
    assert strict_json._plain_keys(value, max_depth) == strict_json._plain_keys_py(value, max_depth)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        [[]],
        {"a": {"b": {}}},
        {"a": [1.5, {"b": 2}], "c": "d"},
        [10**30, 1],
        [-(10**30) + 1, 10**30 - 1],
        [2**63, -(2**63) - 1, 2**64],
        [float("inf")],
        {"x": [float("nan")]},
        [True, None, False, "s"],
        json.loads("[" * 64 + "]" * 64),
        json.loads("[" * 65 + "]" * 65),
        json.loads("[" * 64 + "1" + "]" * 64),
    ],
)
def test_the_c_walk_at_the_edges(value):
    assert strict_json._plain_keys(value, strict_json.MAX_DEPTH) == strict_json._plain_keys_py(
        value, strict_json.MAX_DEPTH
    )
