"""The import's workspace write: the folder written from the bytes the import stored, under the
project's workspace lock, and rebuilt from the database when a change committed in between."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.db import connection, transaction

from projects import archive, content_store, services, workspace, workspace_storage, workspace_sync
from projects.models import Model, Project
from tests.processes.conftest import process_xml
from tests.projects.test_workspace_s3 import keys as s3_keys
from tests.projects.test_workspace_s3 import s3  # noqa: F401  (the bucket, served by moto)

pytestmark = pytest.mark.django_db


def project_zip() -> bytes:
    files = {
        "films.json": json.dumps({"name": "films", "description": "d"}).encode(),
        "connectors/movies.json": json.dumps(
            {
                "name": "movies",
                "actions": {
                    "a1": {
                        "id": "a1",
                        "name": "getMovieDesc",
                        "inputs": [{"id": "i1", "name": "movieName", "type": "string"}],
                        "outputs": [],
                    }
                },
            }
        ).encode(),
    }
    for name in ("rank", "rate"):
        files[f"processes/{name}.bpmn20.xml"] = process_xml({"Task_1": "movies.getMovieDesc"})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for path, data in files.items():
            zipped.writestr(path, data)
    return buffer.getvalue()


def on_disk(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def leftovers(workspace_dir) -> list[str]:
    """Temp folders (`.<name>.<mark>.tmp`) or set-aside old folders left in any owner's folder."""
    return sorted(p.name for p in Path(workspace_dir).glob("*/.*"))


def exported(project: Project) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive.export_zip(project))) as zipped:
        return {info.filename: zipped.read(info) for info in zipped.infolist()}


def test_the_folder_is_written_from_the_import_without_a_rebuild(owner, workspace_dir, monkeypatch):
    def no_rebuild(*args, **kwargs):
        raise AssertionError("the import rebuilt the folder from the database")

    monkeypatch.setattr(workspace_sync, "rebuild", no_rebuild)
    project = archive.project_import(actor=owner, data=project_zip())
    folder = Path(workspace_dir) / str(owner.pk) / "films"
    assert on_disk(folder) == exported(project)
    assert leftovers(workspace_dir) == []
    assert sorted(on_disk(folder)) == [
        "connectors/movies.json",
        "films.json",
        "processes/rank-extensions.json",
        "processes/rank.bpmn20.xml",
        "processes/rate-extensions.json",
        "processes/rate.bpmn20.xml",
    ]


def test_files_a_removed_project_of_the_same_name_left_are_gone(owner, workspace_dir):
    folder = Path(workspace_dir) / str(owner.pk) / "films"
    (folder / "processes").mkdir(parents=True)
    (folder / "processes" / "old.bpmn20.xml").write_bytes(b"left over")
    project = archive.project_import(actor=owner, data=project_zip())
    assert on_disk(folder) == exported(project)


def racing(monkeypatch, change) -> None:
    """Run `change(project)` after the import committed, before it takes the workspace lock."""
    lock = archive._advisory_lock

    def change_then_lock(project_id):
        change(Project.objects.get(pk=project_id))
        lock(project_id)

    monkeypatch.setattr(archive, "_advisory_lock", change_then_lock)


def test_a_save_committed_before_the_write_is_what_the_folder_holds(owner, workspace_dir, monkeypatch):
    saved = process_xml({"Task_1": "movies.getMovieDesc", "Task_2": None})

    def save(project):
        model = Model.objects.get(project=project, name="rank")
        services.model_save_content(actor=owner, model=model, content=saved, expected_version=1)

    racing(monkeypatch, save)
    project = archive.project_import(actor=owner, data=project_zip())
    folder = Path(workspace_dir) / str(owner.pk) / "films"
    assert (folder / "processes" / "rank.bpmn20.xml").read_bytes() == saved
    assert on_disk(folder) == exported(project)
    assert leftovers(workspace_dir) == []  # (the files staged during the commit were dropped)


def test_a_rename_committed_before_the_write_is_what_the_folder_holds(owner, workspace_dir, monkeypatch):
    def rename(project):
        model = Model.objects.get(project=project, name="rate")
        services.model_update(actor=owner, model=model, name="graded")

    racing(monkeypatch, rename)
    project = archive.project_import(actor=owner, data=project_zip())
    files = on_disk(Path(workspace_dir) / str(owner.pk) / "films")
    assert "processes/graded.bpmn20.xml" in files and "processes/rate.bpmn20.xml" not in files
    assert files == exported(project)
    assert leftovers(workspace_dir) == []


def test_a_project_deleted_before_the_write_leaves_no_folder(owner, workspace_dir, monkeypatch):
    racing(monkeypatch, lambda project: services.project_delete(actor=owner, project=project))
    archive.project_import(actor=owner, data=project_zip())
    assert not (Path(workspace_dir) / str(owner.pk) / "films").exists()
    assert leftovers(workspace_dir) == []


def test_an_unwritable_workspace_leaves_the_import_committed(owner, workspace_dir):
    Path(workspace_dir).mkdir(parents=True)
    (Path(workspace_dir) / str(owner.pk)).write_bytes(b"a file where the owner's folder goes")
    project = archive.project_import(actor=owner, data=project_zip())
    assert Model.objects.filter(project=project).count() == 3


def test_the_files_are_staged_while_the_import_commits(owner, workspace_dir, monkeypatch):
    """The folder's files are written beside it during the transaction (the server copies the
    versions and commits meanwhile), then renamed into place: no second write after the commit."""
    seen = []
    copy_versions = content_store.insert_versions

    def staged_before_versions(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return copy_versions(*args, **kwargs)

    started = workspace.start_staging

    def start(folder, files):
        seen.append(("staging", connection.in_atomic_block))
        return started(folder, files)

    monkeypatch.setattr(content_store, "insert_versions", staged_before_versions)
    monkeypatch.setattr(workspace, "start_staging", start)
    monkeypatch.setattr(workspace, "replace_folder", lambda *a: pytest.fail("written again after the commit"))
    project = archive.project_import(actor=owner, data=project_zip())
    assert seen == [("staging", True), True]
    assert on_disk(Path(workspace_dir) / str(owner.pk) / "films") == exported(project)
    assert leftovers(workspace_dir) == []


def test_a_refusal_after_the_staging_started_leaves_no_file(owner, workspace_dir, monkeypatch):
    def full(*args, **kwargs):
        raise RuntimeError("server gone")

    monkeypatch.setattr(content_store, "insert_versions", full)
    with pytest.raises(RuntimeError, match="server gone"):
        archive.project_import(actor=owner, data=project_zip())
    assert not Project.objects.filter(owner=owner).exists()
    assert not (Path(workspace_dir) / str(owner.pk)).exists()  # (not even the owner's folder)
    assert leftovers(workspace_dir) == []


def test_a_staging_that_fails_leaves_the_import_committed_and_no_temp_folder(
    owner, workspace_dir, monkeypatch
):
    written = []

    def disk_full_at_the_third(path, data):
        written.append(path)
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        return write(path, data)

    write = workspace_storage._write_new
    monkeypatch.setattr(workspace_storage, "_write_new", disk_full_at_the_third)
    project = archive.project_import(actor=owner, data=project_zip())
    assert Model.objects.filter(project=project).count() == 3
    assert not (Path(workspace_dir) / str(owner.pk) / "films").exists()  # (rebuild_workspace repairs it)
    assert leftovers(workspace_dir) == []


def test_any_error_of_the_staging_thread_leaves_the_import_committed(owner, workspace_dir, monkeypatch):
    def broken(rows):
        raise KeyError("a bug while making the files")

    monkeypatch.setattr(archive, "_model_files", broken)
    project = archive.project_import(actor=owner, data=project_zip())
    assert Model.objects.filter(project=project).count() == 3
    assert leftovers(workspace_dir) == []


def test_without_a_thread_to_stage_in_the_folder_is_written_after_the_commit(
    owner, workspace_dir, monkeypatch
):
    start = workspace.threading.Thread.start

    def no_thread(thread):
        if thread.name == "workspace-staging":
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(workspace.threading.Thread, "start", no_thread)
    project = archive.project_import(actor=owner, data=project_zip())
    assert on_disk(Path(workspace_dir) / str(owner.pk) / "films") == exported(project)
    assert leftovers(workspace_dir) == []


@pytest.mark.postgres
def test_the_import_takes_the_lock_the_workspace_writers_take(owner):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    project = Project.objects.create(name="locked", owner=owner, created_by="o", last_modified_by="o")

    def advisory_locks() -> set[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT classid, objid, objsubid FROM pg_locks "
                "WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            )
            return set(cursor.fetchall())

    with transaction.atomic():
        workspace_sync.lock(project.pk)
        theirs = advisory_locks()
    with transaction.atomic():
        archive._advisory_lock(project.pk)
        ours = advisory_locks()
    assert len(theirs) == 1 and ours == theirs


def test_on_object_storage_the_import_writes_its_folder_under_the_prefix(s3, owner, workspace_dir):  # noqa: F811
    project = archive.project_import(actor=owner, data=project_zip())
    prefix = f"team/workspace/{owner.pk}/films/"
    assert {key.removeprefix(prefix): data for key, data in s3_keys(s3).items()} == exported(project)
    assert not Path(workspace_dir).exists()
