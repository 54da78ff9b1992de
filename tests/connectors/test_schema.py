"""The pure connector module: schema messages with JSON paths, duplicate names, renaming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.catalog import catalog_entries
from connectors.schema import check_connector, initial_connector, parse_connector, rename_connector
from modeler.problems import ValidationFailed

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
