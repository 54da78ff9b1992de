"""Connector JSON bad input (RELIABILITY.md): the 4xx and its message, nothing stored, nothing lost."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from connectors.models import Implementation
from projects.models import Model, ModelVersion
from tests.assertions import assert_refused
from tests.connectors.conftest import API

pytestmark = pytest.mark.django_db
MIB = 1024 * 1024


def _action(name="get", inputs=None):
    return {"id": name, "name": name, "inputs": inputs or [], "outputs": []}


CASES = [
    ("nested-50000", b"[" * 50000, 400, "json_too_deep", "deeper than 64"),
    ("nan", b'{"name": "movies", "description": NaN}', 400, "invalid_number", "NaN"),
    ("infinity", b'{"name": "movies", "x": Infinity}', 400, "invalid_number", "Infinity"),
    ("int-5000-digits", b'{"name": "movies", "n": ' + b"1" * 5000 + b"}", 400, "invalid_number", "too large"),
    ("duplicate-keys", b'{"name": "movies", "name": "other"}', 400, "duplicate_key", "Duplicate key 'name'"),
    ("not-json", b"{name: movies}", 400, "malformed_json", "line 1 column 2"),
    ("empty", b"", 400, "malformed_json", "empty"),
    ("invalid-utf8", b'{"name": "\xc3\x28"}', 400, "invalid_encoding", "UTF-8"),
    (
        "over-1mib",
        b'{"name": "movies", "description": "' + b"x" * MIB + b'"}',
        413,
        "payload_too_large",
        "1048576",
    ),
    ("missing-name", b'{"description": "x"}', 400, "schema_violation", "required key [name] not found"),
    ("bad-name", b'{"name": "Movies!"}', 400, "schema_violation", "does not match pattern"),
    (
        "unknown-key",
        b'{"name": "movies", "icon": "a.png"}',
        400,
        "schema_violation",
        "extraneous key [icon] is not permitted",
    ),
    (
        "wrong-type",
        b'{"name": "movies", "actions": "none"}',
        400,
        "schema_violation",
        "expected type: JSONObject, found: String",
    ),
    (
        "over-long-string",
        json.dumps({"name": "movies", "description": "d" * 5000}).encode(),
        400,
        "schema_violation",
        "expected maxLength: 4000, actual: 5000",
    ),
    (
        "duplicate-actions",
        json.dumps(
            {
                "name": "movies",
                "actions": {"a": _action("get") | {"id": "a"}, "b": _action("get") | {"id": "b"}},
            }
        ).encode(),
        400,
        "schema_violation",
        "Duplicate action name 'get'",
    ),
    (
        "duplicate-parameters",
        json.dumps(
            {
                "name": "movies",
                "actions": {
                    "get": _action(
                        "get",
                        [
                            {"id": "1", "name": "p", "type": "string"},
                            {"id": "2", "name": "p", "type": "string"},
                        ],
                    )
                },
            }
        ).encode(),
        400,
        "schema_violation",
        "Duplicate input parameter name 'p'",
    ),
    ("array-root", b'[{"name": "movies"}]', 400, "schema_violation", "expected type: JSONObject"),
]


@pytest.fixture
def snapshot(owner_api, movies, movies_file):
    def take():
        response = owner_api.get(f"{API}/models/{movies.pk}/content")
        return (
            Model.objects.count(),
            ModelVersion.objects.count(),
            Implementation.objects.count(),
            response.content,
            response["ETag"],
            movies_file.read_bytes(),
            sorted(p.name for p in movies_file.parent.iterdir()),
        )

    return take


@pytest.mark.parametrize(("case", "raw", "status", "code", "text"), CASES, ids=[c[0] for c in CASES])
def test_bad_content_put(owner_api, movies, snapshot, case, raw, status, code, text):
    before = snapshot()
    response = owner_api.generic(
        "PUT",
        f"{API}/models/{movies.pk}/content",
        raw,
        content_type="application/json",
        HTTP_IF_MATCH='"0.0.1"',
    )
    assert_refused(response, status, code, text)
    assert snapshot() == before


@pytest.mark.parametrize(("case", "raw", "status", "code", "text"), CASES, ids=[c[0] for c in CASES])
def test_bad_import(owner_api, project, movies, snapshot, case, raw, status, code, text):
    before = snapshot()
    upload = SimpleUploadedFile("other.json", raw, content_type="application/json")
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models/import",
        {"file": upload, "type": "CONNECTOR"},
        format="multipart",
    )
    assert_refused(response, status, code, text)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [("text/plain", b'{"name": "movies"}'), ("application/xml", b"<movies/>"), ("", b'{"name": "movies"}')],
)
def test_wrong_content_type_is_415(owner_api, movies, snapshot, content_type, raw):
    before = snapshot()
    response = owner_api.generic("PUT", f"{API}/models/{movies.pk}/content", raw, content_type=content_type)
    assert_refused(response, 415, "unsupported_media_type", "application/json")
    assert snapshot() == before


def test_import_with_wrong_extension(owner_api, project, movies, snapshot):
    before = snapshot()
    upload = SimpleUploadedFile("movies.xml", b'{"name": "films"}')
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models/import",
        {"file": upload, "type": "CONNECTOR"},
        format="multipart",
    )
    assert_refused(response, 400, "unexpected_extension", "Unexpected extension")
    assert snapshot() == before


def test_template_strings_are_stored_inertly(owner_api, movies):
    raw = json.dumps(
        {"name": "movies", "description": "${T(java.lang.Runtime).getRuntime().exec('id')} {{7*7}}"}
    )
    response = owner_api.generic(
        "PUT", f"{API}/models/{movies.pk}/content", raw, content_type="application/json"
    )
    assert response.status_code == 200
    assert owner_api.get(f"{API}/models/{movies.pk}/content").content == raw.encode()


def test_renaming_onto_another_connector_is_409(owner_api, project, movies, snapshot):
    owner_api.post(
        f"{API}/projects/{project.pk}/models", {"name": "films", "type": "CONNECTOR"}, format="json"
    )
    before = snapshot()
    response = owner_api.generic(
        "PUT", f"{API}/models/{movies.pk}/content", b'{"name": "films"}', content_type="application/json"
    )
    assert_refused(response, 409, "name_conflict", "already exists")
    assert snapshot() == before
