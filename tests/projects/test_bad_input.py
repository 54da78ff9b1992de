"""Bad input on the projects API: each case asserts the 4xx and its message, nothing stored, nothing lost."""

from __future__ import annotations

import json

import pytest

from projects.models import Project

API = "/modeling-service/v1"
pytestmark = pytest.mark.django_db
MIB = 1024 * 1024

# (id, raw body, content type, status, errorCode, text the message must contain)
BODY_CASES = [
    ("malformed", b'{"name": "x",', "application/json", 400, "malformed_json", "line 1 column"),
    ("empty", b"", "application/json", 400, "validation_failed", "name"),
    ("blank", b"   ", "application/json", 400, "malformed_json", "empty"),
    ("deep-array-50000", b"[" * 50000, "application/json", 400, "json_too_deep", "deeper than 64"),
    ("deep-object-65", b'{"a":' * 65 + b"1" + b"}" * 65, "application/json", 400, "json_too_deep", "deeper"),
    (
        "duplicate-keys",
        b'{"name": "good-one", "name": "evil"}',
        "application/json",
        400,
        "duplicate_key",
        "Duplicate key 'name'",
    ),
    ("nan", b'{"name": "n", "description": NaN}', "application/json", 400, "invalid_number", "NaN"),
    (
        "infinity",
        b'{"name": "n", "description": -Infinity}',
        "application/json",
        400,
        "invalid_number",
        "Infinity",
    ),
    (
        "int-5000-digits",
        b'{"name": "n", "description": ' + b"9" * 5000 + b"}",
        "application/json",
        400,
        "invalid_number",
        "too large",
    ),
    ("invalid-utf8", b'{"name": "\xff\xfe"}', "application/json", 400, "invalid_encoding", "UTF-8"),
    (
        "over-cap",
        b'{"name": "big", "description": "' + b"x" * MIB + b'"}',
        "application/json",
        413,
        "payload_too_large",
        "1048576 bytes",
    ),
    (
        "wrong-content-type",
        b"name=abc",
        "application/x-www-form-urlencoded",
        415,
        "unsupported_media_type",
        "application/x-www-form-urlencoded",
    ),
    ("xml-content-type", b"<project/>", "application/xml", 415, "unsupported_media_type", "application/xml"),
    ("array-body", b'["name"]', "application/json", 400, "validation_failed", "JSON object"),
    ("missing-name", b'{"description": "no name"}', "application/json", 400, "validation_failed", "name"),
    ("name-not-string", b'{"name": {"a": 1}}', "application/json", 400, "validation_failed", "name"),
    (
        "name-uppercase",
        b'{"name": "Movies"}',
        "application/json",
        400,
        "validation_failed",
        "Validation errors found",
    ),
    (
        "name-27-chars",
        json.dumps({"name": "a" * 27}).encode(),
        "application/json",
        400,
        "validation_failed",
        "Validation errors found",
    ),
    ("name-empty", b'{"name": ""}', "application/json", 400, "validation_failed", "Validation errors found"),
    (
        "name-trailing-dash",
        b'{"name": "movies-"}',
        "application/json",
        400,
        "validation_failed",
        "Validation errors found",
    ),
    (
        "description-too-long",
        json.dumps({"name": "ok-name", "description": "d" * 4001}).encode(),
        "application/json",
        400,
        "validation_failed",
        "4000",
    ),
]


@pytest.fixture
def snapshot(owner_api, project):
    """What must survive every bad request: the rows and the existing project's exact JSON."""

    def take():
        return (
            Project.objects.count(),
            owner_api.get(f"{API}/projects/{project.pk}").content,
        )

    return take


def _assert_error_shape(response, status, code, text):
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) >= {"timestamp", "status", "error", "message", "path", "errors"}
    assert body["status"] == status
    assert body["errorCode"] == code, body
    everything = body["message"] + " ".join(e["description"] for e in body["errors"])
    assert text in everything, body
    assert "Traceback" not in response.content.decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("case", "raw", "content_type", "status", "code", "text"), BODY_CASES, ids=[c[0] for c in BODY_CASES]
)
def test_bad_create_body(owner_api, snapshot, case, raw, content_type, status, code, text):
    before = snapshot()
    response = owner_api.generic("POST", f"{API}/projects", raw, content_type=content_type)
    _assert_error_shape(response, status, code, text)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("case", "raw", "content_type", "status", "code", "text"),
    [c for c in BODY_CASES if c[0] not in {"empty", "missing-name"}],
    ids=[c[0] for c in BODY_CASES if c[0] not in {"empty", "missing-name"}],
)
def test_bad_update_body(owner_api, project, snapshot, case, raw, content_type, status, code, text):
    before = snapshot()
    response = owner_api.generic("PUT", f"{API}/projects/{project.pk}", raw, content_type=content_type)
    _assert_error_shape(response, status, code, text)
    assert snapshot() == before


def test_rename_onto_an_existing_name_is_409_and_changes_nothing(owner_api, owner, project, snapshot):
    owner_api.post(f"{API}/projects", {"name": "taken"}, format="json")
    before = snapshot()
    response = owner_api.put(f"{API}/projects/{project.pk}", {"name": "taken"}, format="json")
    _assert_error_shape(response, 409, "name_conflict", "already exists")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("maxItems=1001", "maxItems cannot be greater than 1000"),
        ("maxItems=-1", "maxItems cannot be negative"),
        ("skipCount=abc", "skipCount must be a whole number"),
        ("sort=password,asc", "sort must be"),
        ("sort=name,sideways", "sort must be"),
    ],
)
def test_bad_list_parameters(owner_api, query, text):
    response = owner_api.get(f"{API}/projects?{query}")
    _assert_error_shape(response, 400, "validation_failed", text)


@pytest.mark.parametrize("project_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_project_ids_are_404(owner_api, project_id):
    response = owner_api.get(f"{API}/projects/{project_id}")
    _assert_error_shape(response, 404, "not_found", "Project not found")


@pytest.mark.parametrize(
    "url",
    [
        "projects/%00",
        "projects?name=%00",
        "projects?name=a%00b",
        "projects?q=%00",
        "projects?%00=1",
        "projects/{project}/collaborators/%00",
        "projects/{project}/models?type=%00",
    ],
)
def test_urls_holding_nul_are_400_not_500(owner_api, project, snapshot, url):
    before = snapshot()
    response = owner_api.get(f"{API}/{url.format(project=project.pk)}")
    _assert_error_shape(response, 400, "invalid_text", "NUL character")
    response = owner_api.put(f"{API}/{url.format(project=project.pk)}")
    _assert_error_shape(response, 400, "invalid_text", "NUL character")
    assert snapshot() == before


@pytest.mark.parametrize("skip_count", ["9223372036854775808", "9223372036854775807", "99999999999999999999"])
def test_huge_skip_count_is_400(owner_api, project, skip_count):
    response = owner_api.get(f"{API}/projects?skipCount={skip_count}")
    _assert_error_shape(response, 400, "validation_failed", "skipCount cannot be greater than")
