"""Models API for connectors: create, content round trip, ETag/If-Match, versions, import/export, catalog."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from projects.models import Model
from tests.connectors.conftest import API, FIXTURE

pytestmark = pytest.mark.django_db


def test_create_lists_and_reads_a_connector(owner_api, project, workspace_dir):
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models",
        {"name": "movies", "type": "CONNECTOR", "description": "Movie lookups"},
        format="json",
    )
    assert response.status_code == 201
    assert response["ETag"] == '"0.0.1"'
    model_id = response.json()["entry"]["id"]
    content = owner_api.get(f"{API}/models/{model_id}/content")
    document = json.loads(content.content)
    assert set(document) == {"id", "name", "description", "actions"}
    assert (document["name"], document["description"], document["actions"]) == ("movies", "Movie lookups", {})
    listed = owner_api.get(f"{API}/projects/{project.pk}/models?type=CONNECTOR").json()["list"]
    assert [e["entry"]["name"] for e in listed["entries"]] == ["movies"]
    unknown = owner_api.get(f"{API}/projects/{project.pk}/models?type=FORM")
    assert unknown.status_code == 400 and unknown.json()["message"] == "Unknown model type: FORM"


def test_import_then_export_is_byte_identical(owner_api, project, movies_file):
    raw = FIXTURE.read_bytes()
    upload = SimpleUploadedFile("movies.json", raw, content_type="application/json")
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models/import",
        {"file": upload, "type": "CONNECTOR"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    model_id = response.json()["entry"]["id"]
    exported = owner_api.get(f"{API}/models/{model_id}/export")
    assert exported["Content-Disposition"] == 'attachment; filename="movies.json"'
    assert exported.content == raw
    assert owner_api.get(f"{API}/models/{model_id}/content").content == raw
    assert movies_file.read_bytes() == raw


def test_content_put_raw_and_multipart_make_versions(owner_api, movies, movies_file):
    document = json.loads(FIXTURE.read_bytes())
    document["description"] = "raw put"
    raw = json.dumps(document).encode()
    response = owner_api.generic(
        "PUT",
        f"{API}/models/{movies.pk}/content",
        raw,
        content_type="application/json",
        HTTP_IF_MATCH='"0.0.1"',
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"0.0.2"'
    assert response.json()["problems"] == []
    document["description"] = "multipart put"
    multipart = json.dumps(document, indent=4).encode()
    response = owner_api.put(
        f"{API}/models/{movies.pk}/content",
        {"file": SimpleUploadedFile("movies.json", multipart)},
        format="multipart",
        HTTP_IF_MATCH='"0.0.2"',
    )
    assert response.status_code == 200
    assert owner_api.get(f"{API}/models/{movies.pk}/content").content == multipart
    assert movies_file.read_bytes() == multipart
    versions = owner_api.get(f"{API}/models/{movies.pk}/versions").json()["list"]["entries"]
    assert [v["entry"]["version"] for v in versions] == ["0.0.3", "0.0.2", "0.0.1"]


def test_stale_if_match_is_412_and_changes_nothing(owner_api, movies, movies_file):
    before = bytes(Model.objects.get(pk=movies.pk).content)
    response = owner_api.generic(
        "PUT",
        f"{API}/models/{movies.pk}/content",
        b'{"name": "movies"}',
        content_type="application/json",
        HTTP_IF_MATCH='"0.0.7"',
    )
    assert response.status_code == 412
    assert response.json()["errorCode"] == "version_conflict"
    after = owner_api.get(f"{API}/models/{movies.pk}/content")
    assert after.content == before and after["ETag"] == '"0.0.1"'
    assert movies_file.read_bytes() == before
    malformed = owner_api.generic(
        "PUT",
        f"{API}/models/{movies.pk}/content",
        b'{"name": "movies"}',
        content_type="application/json",
        HTTP_IF_MATCH="yesterday",
    )
    assert malformed.status_code == 400 and malformed.json()["errorCode"] == "invalid_if_match"
    assert owner_api.get(f"{API}/models/{movies.pk}/content").content == before


def test_rename_and_delete_move_the_workspace_file(owner_api, movies, movies_file):
    response = owner_api.put(
        f"{API}/models/{movies.pk}",
        {"name": "films", "description": "Films"},
        format="json",
        HTTP_IF_MATCH='"0.0.1"',
    )
    assert response.status_code == 200, response.content
    assert response.json()["entry"]["name"] == "films"
    assert response["ETag"] == '"0.0.2"'
    renamed = movies_file.with_name("films.json")
    assert not movies_file.exists()
    assert json.loads(renamed.read_bytes())["name"] == "films"
    assert owner_api.delete(f"{API}/models/{movies.pk}").status_code == 204
    assert not renamed.exists()
    assert not Model.objects.filter(pk=movies.pk).exists()


def test_validate_without_saving(owner_api, movies):
    good = SimpleUploadedFile("movies.json", FIXTURE.read_bytes())
    assert (
        owner_api.post(f"{API}/models/{movies.pk}/validate", {"file": good}, format="multipart").status_code
        == 204
    )
    bad = SimpleUploadedFile("movies.json", b'{"name": "movies", "icon": "x"}')
    response = owner_api.post(f"{API}/models/{movies.pk}/validate", {"file": bad}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["description"] == "#: extraneous key [icon] is not permitted"
    assert Model.objects.get(pk=movies.pk).version == 1


def test_schema_endpoint_serves_the_shipped_schema(owner_api):
    response = owner_api.get(f"{API}/schemas/CONNECTOR")
    assert response.status_code == 200
    assert response.json()["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert response.json()["required"] == ["name"]
    assert owner_api.get(f"{API}/schemas/NOPE").status_code == 404


def test_implementations_follow_the_latest_save(owner_api, owner, project, movies):
    url = f"{API}/projects/{project.pk}/implementations"
    body = owner_api.get(url).json()["list"]
    assert [e["entry"]["implementation"] for e in body["entries"]] == ["movies.getMovieDesc"]
    entry = body["entries"][0]["entry"]
    assert [p["name"] for p in entry["inputs"]] == ["movieName"] and entry["inputs"][0]["required"] is True
    assert [p["name"] for p in entry["outputs"]] == ["movieDescription"]

    document = json.loads(FIXTURE.read_bytes())
    document["actions"]["a2"] = {"id": "a2", "name": "addRating", "inputs": [], "outputs": []}
    owner_api.generic(
        "PUT", f"{API}/models/{movies.pk}/content", json.dumps(document), content_type="application/json"
    )
    owner_api.post(
        f"{API}/projects/{project.pk}/models", {"name": "mail", "type": "CONNECTOR"}, format="json"
    )
    names = [e["entry"]["implementation"] for e in owner_api.get(url).json()["list"]["entries"]]
    assert names == ["movies.addRating", "movies.getMovieDesc"]
    owner_api.delete(f"{API}/models/{movies.pk}")
    assert owner_api.get(url).json()["list"]["entries"] == []


def test_duplicate_connector_name_is_409(owner_api, project, movies):
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models", {"name": "movies", "type": "CONNECTOR"}, format="json"
    )
    assert response.status_code == 409
    assert Model.objects.filter(project=project).count() == 1


def test_rebuild_workspace_repairs_files(movies, movies_file, project):
    movies_file.unlink()
    movies_file.with_name("stray.json").write_text("{}")
    call_command("rebuild_workspace", project.name)
    assert movies_file.read_bytes() == FIXTURE.read_bytes()
    assert not movies_file.with_name("stray.json").exists()
    assert (movies_file.parent.parent / f"{project.name}.json").exists()


def test_unwritable_workspace_does_not_fail_the_save(owner_api, movies, movies_file, workspace_dir, settings):
    blocker = workspace_dir.parent / "not-a-dir"
    blocker.write_text("a file where the workspace should be")
    settings.MODELER_WORKSPACE_DIR = blocker
    document = json.loads(FIXTURE.read_bytes())
    document["description"] = "saved while the disk refuses"
    response = owner_api.generic(
        "PUT", f"{API}/models/{movies.pk}/content", json.dumps(document), content_type="application/json"
    )
    assert response.status_code == 200
    assert (
        json.loads(bytes(Model.objects.get(pk=movies.pk).content))["description"]
        == "saved while the disk refuses"
    )
    settings.MODELER_WORKSPACE_DIR = workspace_dir
    call_command("rebuild_workspace")
    assert json.loads(movies_file.read_bytes())["description"] == "saved while the disk refuses"
