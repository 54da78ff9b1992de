"""Faults while writing a process's workspace files: the save stays committed, the files are repairable."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from projects import workspace
from projects.models import Model
from tests.processes.conftest import API, file_json, process_xml

pytestmark = pytest.mark.django_db


def _put(client, model, content: bytes):
    return client.generic("PUT", f"{API}/models/{model.pk}/content", content, content_type="application/xml")


def test_unwritable_workspace_keeps_the_save_and_rebuild_repairs_both_files(
    owner_api, rank_movie, process_dir, workspace_dir, settings
):
    process_id = next(iter(rank_movie.extensions))
    blocker = workspace_dir.parent / "not-a-dir"
    blocker.write_text("a file where the workspace should be")
    settings.MODELER_WORKSPACE_DIR = blocker
    content = process_xml(process_id=process_id)
    response = _put(owner_api, rank_movie, content)
    assert response.status_code == 200
    assert bytes(Model.objects.get(pk=rank_movie.pk).content) == content
    assert b"movies.getMovieDesc" not in (process_dir / "rank-movie.bpmn20.xml").read_bytes()  # stale copy

    settings.MODELER_WORKSPACE_DIR = workspace_dir
    call_command("rebuild_workspace")
    assert (process_dir / "rank-movie.bpmn20.xml").read_bytes() == content
    assert file_json(process_dir / "rank-movie-extensions.json")["extensions"] == json.loads(
        json.dumps(response.json()["entry"]["extensions"])
    )


def test_crash_before_the_rename_leaves_the_previous_files_whole(
    owner_api, rank_movie, process_dir, monkeypatch
):
    before = {p.name: p.read_bytes() for p in process_dir.iterdir()}

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workspace.os, "replace", crash)
    response = _put(owner_api, rank_movie, process_xml(process_id=next(iter(rank_movie.extensions))))
    assert response.status_code == 200  # committed in the database; never reported as failed
    assert {p.name: p.read_bytes() for p in process_dir.iterdir()} == before  # no torn file, no temp file


def test_rename_moves_both_files(owner_api, rank_movie, process_dir):
    response = owner_api.put(f"{API}/models/{rank_movie.pk}", {"name": "rate-movie"}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(p.name for p in process_dir.iterdir()) == [
        "rate-movie-extensions.json",
        "rate-movie.bpmn20.xml",
    ]
    document = file_json(process_dir / "rate-movie-extensions.json")
    assert document["name"] == "rate-movie" and document["id"] == f"process-{rank_movie.pk}"


def test_delete_removes_both_files(owner_api, rank_movie, process_dir):
    assert owner_api.delete(f"{API}/models/{rank_movie.pk}").status_code == 204
    assert not process_dir.exists()  # both files gone, and the folder they left empty
