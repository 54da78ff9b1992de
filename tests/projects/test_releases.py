"""Project validation, releases (numbered, immutable, byte-stable), upload, restore, version restore."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from rest_framework.test import APIClient

from projects import services
from projects.models import Model, ModelVersion, Project, Release
from tests.assertions import assert_refused
from tests.projects.test_archive import apa_files, post_zip, unzip, workspace_files, zip_of

API = "/modeling-service/v1"
pytestmark = pytest.mark.django_db


def _import(client, files=None, name=None) -> Project:
    response = post_zip(client, zip_of(files or apa_files()), name=name)
    assert response.status_code == 201, response.content[:400]
    return Project.objects.get(pk=response.json()["entry"]["id"])


def _with_type_mismatch() -> dict[str, bytes]:
    """The APA project with the integer `rating` mapped to the string input: a warning, no error."""
    files = apa_files()
    document = json.loads(files["processes/rank-movie-extensions.json"])
    mapping = document["extensions"]["Process_rk7m2q9x"]["mappings"]["Task_1spvopd"]
    mapping["inputs"]["movieName"]["value"] = "rating"
    return files | {"processes/rank-movie-extensions.json": json.dumps(document).encode()}


def _process(project) -> Model:
    return Model.objects.get(project=project, type="PROCESS")


# --- validation ---------------------------------------------------------------------------------


def test_valid_project_answers_204(owner_api):
    project = _import(owner_api)
    response = owner_api.get(f"{API}/projects/{project.pk}/validate")
    assert response.status_code == 204, response.content[:600]


def test_project_without_process_is_invalid(owner_api, project):
    response = owner_api.get(f"{API}/projects/{project.pk}/validate")
    assert_refused(response, 400, "no_process", "Project must contain at least one process")
    assert response.json()["message"] == "Validation errors found in project's models"


def test_validation_rechecks_processes_after_their_connector_changed(owner_api, owner):
    project = _import(owner_api)
    connector = Model.objects.get(project=project, type="CONNECTOR")
    services.model_delete(actor=owner, model=connector)
    assert _process(project).problems == []  # the stored problems are from the last save
    response = owner_api.get(f"{API}/projects/{project.pk}/validate")
    assert_refused(response, 400, "validation_failed", "'movies.getMovieDesc' of 'Task_1spvopd' is not a")
    errors = response.json()["errors"]
    row = next(
        e for e in errors if e["problem"] == "Invalid service implementation on service 'Task_1spvopd'"
    )
    assert row["modelName"] == "rank-movie" and row["modelType"] == "PROCESS"
    assert row["modelId"] == str(_process(project).pk)
    assert row["referenceId"] == "Task_1spvopd" and row["warning"] is False
    assert row["description"].startswith("process 'rank-movie': ")


def test_errors_come_before_warnings(owner_api, owner):
    files = _with_type_mismatch()
    files["processes/rank-movie.bpmn20.xml"] = files["processes/rank-movie.bpmn20.xml"].replace(
        b'<bpmn2:endEvent id="EndEvent_0x9y8z7">',
        b'<bpmn2:task id="Lonely" /><bpmn2:endEvent id="EndEvent_0x9y8z7">',
    )
    project = _import(owner_api, files)
    errors = owner_api.get(f"{API}/projects/{project.pk}/validate").json()["errors"]
    flags = [e["warning"] for e in errors]
    assert flags == sorted(flags) and flags[0] is False and flags[-1] is True
    assert {"Flow node has no incoming flow", "Flow node has no outgoing flow"} <= {
        e["problem"] for e in errors
    }
    assert any(e["problem"].startswith("Type mismatch") for e in errors)


def test_warnings_only_are_reported_but_do_not_block_a_release(owner_api):
    project = _import(owner_api, _with_type_mismatch())
    response = owner_api.get(f"{API}/projects/{project.pk}/validate")
    assert_refused(response, 400, "validation_warnings", "1 warnings found")
    assert all(e["warning"] for e in response.json()["errors"])
    released = owner_api.post(
        f"{API}/projects/{project.pk}/releases", {"comment": "with warnings"}, format="json"
    )
    assert released.status_code == 201, released.content[:400]
    assert released.json()["entry"]["version"] == "1"


def test_problem_lists_are_capped(owner_api, owner):
    files = apa_files()
    lonely = b"".join(f'<bpmn2:task id="Lonely_{i}" />'.encode() for i in range(150))
    files["processes/rank-movie.bpmn20.xml"] = files["processes/rank-movie.bpmn20.xml"].replace(
        b'<bpmn2:endEvent id="EndEvent_0x9y8z7">', lonely + b'<bpmn2:endEvent id="EndEvent_0x9y8z7">'
    )
    project = _import(owner_api, files)
    errors = owner_api.get(f"{API}/projects/{project.pk}/validate").json()["errors"]
    assert len(errors) == 101
    assert errors[-1]["errorCode"] == "too_many_problems"


# --- releases ---------------------------------------------------------------------------------


def test_release_refused_with_every_problem_and_no_row(owner_api, owner, workspace_dir):
    project = _import(owner_api)
    services.model_delete(actor=owner, model=Model.objects.get(project=project, type="CONNECTOR"))
    files_before = workspace_files(workspace_dir)
    response = owner_api.post(f"{API}/projects/{project.pk}/releases", {"comment": "first"}, format="json")
    assert_refused(response, 400, "validation_failed", "is not a <connector>.<action> of this project")
    assert response.json()["message"] == "Validation errors found in project's models"
    validate = owner_api.get(f"{API}/projects/{project.pk}/validate").json()["errors"]
    assert response.json()["errors"] == validate
    assert Release.objects.count() == 0
    project.refresh_from_db()
    assert project.version == 0
    assert workspace_files(workspace_dir) == files_before


def test_release_numbers_snapshot_and_byte_stable_download(owner_api, owner, workspace_dir):
    project = _import(owner_api)
    first = owner_api.post(f"{API}/projects/{project.pk}/releases", {"comment": "first"}, format="json")
    assert first.status_code == 201, first.content[:400]
    entry = first.json()["entry"]
    assert {k: entry[k] for k in ("name", "version", "comment", "projectId", "projectName", "createdBy")} == {
        "name": "movies-app",
        "version": "1",
        "comment": "first",
        "projectId": str(project.pk),
        "projectName": "movies-app",
        "createdBy": owner.username,
    }
    assert entry["imported"] is False and entry["creationDate"].endswith("Z")
    release = Release.objects.get(pk=entry["id"])
    snapshot = unzip(bytes(release.content))
    assert json.loads(snapshot["movies-app.json"])["version"] == "1"
    assert set(snapshot) == {
        "movies-app.json",
        "connectors/movies.json",
        "processes/rank-movie.bpmn20.xml",
        "processes/rank-movie-extensions.json",
    }
    # the manifest's version is the latest release, in the export and in the workspace
    manifest = Path(workspace_dir) / str(owner.pk) / "movies-app" / "movies-app.json"
    assert json.loads(manifest.read_bytes())["version"] == "1"
    # a change after the release does not change the release
    process = _process(project)
    services.model_save_content(
        actor=owner,
        model=process,
        content=bytes(process.content).replace(b'name="look up"', b'name="look it up"'),
    )
    downloads = [owner_api.get(f"{API}/releases/{release.pk}/export") for _ in range(2)]
    assert downloads[0].content == downloads[1].content == bytes(release.content)
    assert downloads[0]["Content-Type"] == "application/zip"
    attachment = owner_api.get(f"{API}/releases/{release.pk}/export?attachment=true")
    assert attachment["Content-Disposition"] == 'attachment; filename="movies-app-release-1.zip"'
    assert attachment.content == bytes(release.content)
    second = owner_api.post(f"{API}/projects/{project.pk}/releases", {}, format="json")
    assert second.json()["entry"]["version"] == "2"
    assert (
        b"look it up"
        in unzip(bytes(Release.objects.get(version=2).content))["processes/rank-movie.bpmn20.xml"]
    )
    assert b"look it up" not in unzip(bytes(release.content))["processes/rank-movie.bpmn20.xml"]
    listed = owner_api.get(f"{API}/projects/{project.pk}/releases").json()["list"]
    assert [e["entry"]["version"] for e in listed["entries"]] == ["2", "1"]
    assert owner_api.get(f"{API}/projects/{project.pk}").json()["entry"]["version"] == "2"
    detail = owner_api.get(f"{API}/releases/{release.pk}").json()["entry"]
    assert detail == entry


def test_release_comment_and_unknown_release_are_refused(owner_api):
    project = _import(owner_api)
    assert_refused(
        owner_api.post(f"{API}/projects/{project.pk}/releases", {"comment": "x" * 4001}, format="json"),
        400,
        "validation_failed",
        "no more than 4000 characters",
    )
    assert_refused(owner_api.get(f"{API}/releases/not-a-uuid"), 404, "not_found", "Release not found")
    assert_refused(
        owner_api.get(f"{API}/releases/00000000-0000-4000-8000-000000000000/export"),
        404,
        "not_found",
        "Release not found",
    )
    assert Release.objects.count() == 0


def test_release_upload_is_marked_imported(owner_api, owner):
    project = _import(owner_api)
    data = zip_of(apa_files())
    response = owner_api.post(
        f"{API}/projects/{project.pk}/releases/upload",
        {"file": SimpleUploadedFile("release.zip", data, "application/zip"), "comment": "from APA"},
        format="multipart",
    )
    assert response.status_code == 201, response.content[:400]
    entry = response.json()["entry"]
    assert (entry["imported"], entry["version"], entry["comment"]) == (True, "1", "from APA")
    stored = unzip(bytes(Release.objects.get(pk=entry["id"]).content))
    assert stored == {k: apa_files()[k] for k in stored}
    hostile = apa_files() | {"../x.json": b"{}"}
    before = Release.objects.count()
    assert_refused(
        owner_api.post(
            f"{API}/projects/{project.pk}/releases/upload",
            {"file": SimpleUploadedFile("r.zip", zip_of(hostile), "application/zip")},
            format="multipart",
        ),
        400,
        "zip_unsafe_path",
        "'..'",
    )
    assert Release.objects.count() == before


def test_restore_brings_back_the_release_as_new_versions(owner_api, owner, workspace_dir):
    project = _import(owner_api)
    release_id = owner_api.post(f"{API}/projects/{project.pk}/releases", {}, format="json").json()["entry"][
        "id"
    ]
    process = _process(project)
    released_content = bytes(process.content)
    services.model_save_content(
        actor=owner, model=process, content=released_content.replace(b'name="look up"', b'name="changed"')
    )
    extra, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="extra")
    folder = Path(workspace_dir) / str(owner.pk) / "movies-app"
    assert (folder / "processes" / "extra.bpmn20.xml").exists()
    response = owner_api.post(f"{API}/releases/{release_id}/restore")
    assert response.status_code == 200, response.content[:400]
    process.refresh_from_db()
    assert bytes(process.content) == released_content
    assert process.version == 3
    assert [v.version for v in ModelVersion.objects.filter(model=process)] == [1, 2, 3]
    assert not Model.objects.filter(pk=extra.pk).exists()
    connector = Model.objects.get(project=project, type="CONNECTOR")
    assert connector.version == 1  # unchanged since the release: no new version
    assert not (folder / "processes" / "extra.bpmn20.xml").exists()
    assert (folder / "processes" / "rank-movie.bpmn20.xml").read_bytes() == released_content
    exported = unzip(owner_api.get(f"{API}/projects/{project.pk}/export").content)
    assert exported == {k: v for k, v in unzip(bytes(Release.objects.get(pk=release_id).content)).items()}


def test_model_version_restore(owner_api, owner):
    project = _import(owner_api)
    process = _process(project)
    original = bytes(process.content)
    services.model_save_content(
        actor=owner, model=process, content=original.replace(b'name="look up"', b'name="v2"')
    )
    response = owner_api.post(f"{API}/models/{process.pk}/versions/0.0.1/restore", HTTP_IF_MATCH='"0.0.2"')
    assert response.status_code == 200, response.content[:400]
    assert response["ETag"] == '"0.0.3"'
    process.refresh_from_db()
    assert bytes(process.content) == original and process.version == 3
    assert process.extensions == ModelVersion.objects.get(model=process, version=1).extensions
    assert_refused(
        owner_api.post(f"{API}/models/{process.pk}/versions/1/restore", HTTP_IF_MATCH='"0.0.2"'),
        412,
        "version_conflict",
        "changed by someone else",
    )
    assert_refused(owner_api.post(f"{API}/models/{process.pk}/versions/9/restore"), 404, "not_found", "0.0.9")
    assert_refused(
        owner_api.post(f"{API}/models/{process.pk}/versions/abc/restore"), 400, "field.invalid", "abc"
    )
    assert ModelVersion.objects.filter(model=process).count() == 3


def test_model_version_detail_and_content_for_comparing_versions(owner_api, owner):
    project = _import(owner_api)
    process = _process(project)
    original = bytes(process.content)
    services.model_save_content(
        actor=owner, model=process, content=original.replace(b'name="look up"', b'name="v2"')
    )
    first = owner_api.get(f"{API}/models/{process.pk}/versions/0.0.1")
    assert first.status_code == 200
    entry = first.json()["entry"]
    assert (entry["version"], entry["contentSize"], entry["createdBy"]) == (
        "0.0.1",
        len(original),
        owner.username,
    )
    assert entry["extensions"] == ModelVersion.objects.get(model=process, version=1).extensions
    content = owner_api.get(f"{API}/models/{process.pk}/versions/1/content")
    assert content.status_code == 200 and content.content == original
    assert content["Content-Disposition"] == 'attachment; filename="rank-movie-0.0.1.bpmn20.xml"'
    second = owner_api.get(f"{API}/models/{process.pk}/versions/2/content").content
    assert b'name="v2"' in second and b'name="v2"' not in original
    assert_refused(owner_api.get(f"{API}/models/{process.pk}/versions/3/content"), 404, "not_found", "0.0.3")


# --- restore racing a save (PostgreSQL) -----------------------------------------------------------


def _restore(user, release_id, barrier, results):
    client = APIClient()
    client.force_login(user)
    barrier.wait()
    results["restore"] = client.post(f"{API}/releases/{release_id}/restore").status_code
    connections.close_all()


def _save(user, model_id, etag, content, barrier, results):
    client = APIClient()
    client.force_login(user)
    barrier.wait()
    response = client.put(
        f"{API}/models/{model_id}/content", content, content_type="application/xml", HTTP_IF_MATCH=etag
    )
    results["save"] = response.status_code
    connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restore_racing_a_save_loses_no_write(owner, collaborator, workspace_dir):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    owner_api = APIClient()
    owner_api.force_login(owner)
    project = _import(owner_api)
    services.collaborator_add(actor=owner, project=project, username=collaborator.username)
    release_id = owner_api.post(f"{API}/projects/{project.pk}/releases", {}, format="json").json()["entry"][
        "id"
    ]
    released = bytes(_process(project).content)
    outcomes = set()
    for attempt in range(6):
        process = _process(project)
        edited = released.replace(b'name="look up"', f'name="edit {attempt}"'.encode())
        # put the model away from the release so the restore has something to do
        process, _ = services.model_save_content(
            actor=owner, model=process, content=released.replace(b'name="look up"', b'name="drift"')
        )
        etag = f'"0.0.{process.version}"'
        barrier, results = threading.Barrier(2), {}
        threads = [
            threading.Thread(target=_restore, args=(owner, release_id, barrier, results)),
            threading.Thread(target=_save, args=(collaborator, process.pk, etag, edited, barrier, results)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results["restore"] == 200, results
        assert results["save"] in {200, 412}, results
        outcomes.add(results["save"])
        process.refresh_from_db()
        history = [bytes(v.content) for v in ModelVersion.objects.filter(model=process).order_by("version")]
        assert process.version == len(history)
        # the restore always ends last: the save either came first (and is kept in the history)
        # or was based on the version the restore replaced (412, nothing written)
        assert bytes(process.content) == released
        assert (edited in history) == (results["save"] == 200)
        folder = Path(workspace_dir) / str(owner.pk) / "movies-app" / "processes"
        assert (folder / "rank-movie.bpmn20.xml").read_bytes() == released
    assert outcomes  # at least one race ran


def test_collaborator_releases_and_exports_others_cannot(api_as, owner, collaborator, modeler, no_role):
    project = _import(api_as(owner))
    services.collaborator_add(actor=owner, project=project, username=collaborator.username)
    carl = api_as(collaborator)
    released = carl.post(f"{API}/projects/{project.pk}/releases", {"comment": "by carl"}, format="json")
    assert released.status_code == 201 and released.json()["entry"]["createdBy"] == collaborator.username
    release_id = released.json()["entry"]["id"]
    assert carl.get(f"{API}/releases/{release_id}/export").status_code == 200
    assert carl.get(f"{API}/projects/{project.pk}/export").status_code == 200
    for user, status in ((modeler, 404), (no_role, 403)):
        client = api_as(user)
        assert client.post(f"{API}/projects/{project.pk}/releases", {}, format="json").status_code == status
        assert client.get(f"{API}/releases/{release_id}/export").status_code == status
        assert client.post(f"{API}/releases/{release_id}/restore").status_code == status
    assert_refused(
        api_as(modeler).get(f"{API}/releases/{release_id}"),
        404,
        "not_found",
        f"Release not found: {release_id}",
    )
    assert Release.objects.count() == 1


def test_release_upload_and_restore_pause_the_collector_as_an_import_does(owner_api, owner, monkeypatch):
    import gc

    from projects import archive, releases

    project = _import(owner_api)
    release = releases.release_create(actor=owner, project=project, comment="first")
    seen = []
    real = archive.check_models

    def watching(parsed, *args, **kwargs):
        seen.append(gc.isenabled())
        return real(parsed, *args, **kwargs)

    monkeypatch.setattr(archive, "check_models", watching)
    releases.release_upload(actor=owner, project=project, data=bytes(release.content), comment="again")
    releases.release_restore(actor=owner, release=release)
    assert seen == [False, False]
    assert gc.isenabled()
