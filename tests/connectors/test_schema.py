"""The pure connector module: schema messages with JSON paths, duplicate names, renaming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.catalog import catalog_entries
from connectors.schema import (
    check_connector,
    initial_connector,
    parse_connector,
    rename_connector,
    strip_secure_values,
)
from modeler.problems import MAX_PROBLEMS, ValidationFailed

FIXTURE = Path(__file__).parent.parent / "fixtures" / "movies-apa.json"


def problems_of(document) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_connector(json.dumps(document).encode())
    return [p.description for p in caught.value.problems]


def test_apa_file_passes_and_keeps_unknown_but_allowed_fields():
    check = check_connector(FIXTURE.read_bytes())
    assert check.name == "movies"
    assert check.parsed["template"] == "custom"
    assert check.parsed["events"]["e1"]["model"] == {"$schema": "x"}


def test_initial_content_is_a_valid_connector():
    document = json.loads(initial_connector("movies", "Movie lookups"))
    assert document["name"] == "movies" and document["actions"] == {}
    assert document["id"].startswith("connector-")
    assert check_connector(initial_connector("movies", "")).name == "movies"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"name": "movies", "icon": "x"}, "#: extraneous key [icon] is not permitted"),
        ({"description": "no name"}, "#: required key [name] not found"),
        (
            {"name": "Movies"},
            "#/name: string [Movies] does not match pattern ^[a-z]([-a-z0-9]{0,24}[a-z0-9])?$",
        ),
        ({"name": "a" * 27}, "#/name: expected maxLength: 26, actual: 27"),
        ({"name": "movies", "description": True}, "#/description: expected type: String, found: Boolean"),
        ({"name": "movies", "actions": {"a": {"id": "a"}}}, "#/actions/a: required key [name] not found"),
        (
            {
                "name": "movies",
                "actions": {"a": {"id": "a", "name": "x", "inputs": [{"id": "1", "name": "p"}]}},
            },
            "#/actions/a/inputs/0: required key [type] not found",
        ),
        (
            {"name": "movies", "config": [{"name": "K", "type": "string"}]},
            "#/config/0: extraneous key [type] is not permitted",
        ),
        ({"name": "movies", "errors": [{"code": "X"}]}, "#/errors/0: required key [name] not found"),
        (
            {"name": "movies", "description": "d" * 4001},
            "#/description: expected maxLength: 4000, actual: 4001",
        ),
        ({"name": "movies", "actions": []}, "#/actions: expected type: JSONObject, found: JSONArray"),
    ],
)
def test_schema_problems_name_the_path(document, expected):
    assert expected in problems_of(document)


def test_duplicate_action_and_parameter_names():
    action = {
        "id": "a",
        "name": "get",
        "inputs": [{"id": "1", "name": "p", "type": "string"}, {"id": "2", "name": "p", "type": "integer"}],
    }
    found = problems_of({"name": "movies", "actions": {"a": action, "b": dict(action, id="b")}})
    assert "#/actions/b/name: Duplicate action name 'get' in connector 'movies'" in found
    assert (
        "#/actions/a/inputs/1/name: Duplicate input parameter name 'p' in action 'get' of connector 'movies'"
        in found
    )


def test_custom_parameter_types_are_kept():
    document = {
        "name": "movies",
        "actions": {
            "a": {"id": "a", "name": "get", "inputs": [{"id": "1", "name": "p", "type": "movie-rating"}]}
        },
    }
    assert (
        check_connector(json.dumps(document).encode()).parsed["actions"]["a"]["inputs"][0]["type"]
        == "movie-rating"
    )


def test_rename_keeps_key_order():
    renamed = json.loads(rename_connector(FIXTURE.read_bytes(), "films"))
    assert renamed["name"] == "films"
    assert list(renamed) == list(json.loads(FIXTURE.read_bytes()))


def test_catalog_entries_are_sorted_with_their_parameters():
    document = json.loads(FIXTURE.read_bytes())
    document["actions"]["a0"] = {"id": "a0", "name": "addRating"}
    entries = catalog_entries("m1", document)
    assert [implementation for implementation, _ in entries] == ["movies.addRating", "movies.getMovieDesc"]
    entry = dict(entries)["movies.getMovieDesc"]
    assert entry["inputs"] == [
        {"id": "i1", "name": "movieName", "type": "string", "required": True, "description": ""}
    ]
    assert entry["outputs"][0]["name"] == "movieDescription"


# --- issue 9: real files; issue 8: secure values, bounded problem lists ------------------------

CONNECTORS = FIXTURE.parent / "connectors"


def test_an_action_key_differing_from_its_id_is_accepted():
    raw = (CONNECTORS / "action-key-differs-from-id.json").read_bytes()
    check = check_connector(raw)
    assert check.name == "coin"
    assert list(check.parsed["actions"]) == ["flipAction"]
    assert check.parsed["actions"]["flipAction"]["id"] == "flipActionId"
    assert [implementation for implementation, _ in catalog_entries("m1", check.parsed)] == ["coin.flip"]


def test_a_secure_connector_variable_with_a_value_is_refused_without_echoing_it():
    raw = (CONNECTORS / "secure-config-with-value.json").read_bytes()
    with pytest.raises(ValidationFailed) as caught:
        parse_connector(raw)
    assert caught.value.error_code == "schema_violation"
    assert [(p.error_code, p.reference_id) for p in caught.value.problems] == [
        ("secure_value", "#/config/1/value")
    ]
    assert "The secure connector variable 'WEATHER_API_KEY' holds a value" in caught.value.message
    assert "canary-4b1f7e" not in caught.value.message + repr(caught.value.problems)


def test_a_secure_variable_with_an_empty_value_and_a_plain_variable_with_a_value_are_fine():
    document = {
        "name": "weather",
        "config": [
            {"name": "URL", "value": "https://weather.example"},
            {"name": "KEY", "value": "", "secure": True},
            {"name": "OTHER", "value": "x", "secure": False},
        ],
    }
    assert check_connector(json.dumps(document).encode()).name == "weather"


def test_strip_secure_values_removes_them_with_a_warning_each():
    raw = (CONNECTORS / "secure-config-with-value.json").read_bytes()
    stripped, warnings = strip_secure_values(raw)
    assert [(w.warning, w.error_code, w.reference_id) for w in warnings] == [
        (True, "secure_value_removed", "#/config/1/value")
    ]
    assert b"canary-4b1f7e" not in stripped
    document = json.loads(stripped)
    assert list(document) == list(json.loads(raw))  # key order kept
    assert [c["value"] for c in document["config"]] == ["https://weather.example", "", ""]
    assert check_connector(stripped).name == "weather"


@pytest.mark.parametrize(
    "raw",
    [FIXTURE.read_bytes(), b"{not json", b"[]", b'{"name": "x", "config": [1]}'],
    ids=["nothing-to-strip", "not-json", "not-object", "odd-config"],
)
def test_strip_secure_values_leaves_other_content_byte_identical(raw):
    assert strip_secure_values(raw) == (raw, [])


def test_duplicate_names_are_capped():
    parameters = [{"id": str(n), "name": "p", "type": "string"} for n in range(2000)]
    document = {"name": "movies", "actions": {"a": {"id": "a", "name": "get", "inputs": parameters}}}
    problems = problems_of(document)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].startswith("Only the first 100 problems are listed; at least ")
