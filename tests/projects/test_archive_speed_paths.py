"""The import's faster paths give what the plain ones gave: the rows sent one by one as they are
made (a refusal midway stores nothing), the collector paused and resumed, and the workspace's
many-files write (same files, same refusals of links)."""

from __future__ import annotations

import gc
import io
import json
import os
import weakref
import zipfile

import pytest

from modeler.problems import ValidationFailed
from projects import archive, workspace
from projects.models import Model, ModelVersion, Project
from tests.processes.conftest import process_xml

CONNECTOR = json.dumps(
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
).encode()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive_file:
        for path, data in files.items():
            archive_file.writestr(path, data)
    return buffer.getvalue()


def project_files(processes: int = 6) -> dict[str, bytes]:
    files = {"films.json": json.dumps({"name": "films"}).encode(), "connectors/movies.json": CONNECTOR}
    for index in range(processes):
        files[f"processes/p{index}.bpmn20.xml"] = process_xml(
            {"Task_1": "movies.getMovieDesc"}, process_id=f"Process_{index}"
        )
    return files


def test_the_collector_is_paused_during_an_import_and_resumed_after(owner):
    seen = []

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return archive.no_progress(*args, **kwargs)

    assert gc.isenabled()
    archive.project_import(actor=owner, data=zipped(project_files(2)), progress=spy)
    assert seen and not any(seen)
    assert gc.isenabled()
    with pytest.raises(ValidationFailed):
        archive.project_import(actor=owner, data=zipped({"x.json": b"[]"}))
    assert gc.isenabled()


@pytest.mark.parametrize("copy", [False, True], ids=["import", "copy"])
def test_the_archive_is_freed_before_the_collector_resumes(owner, copy, monkeypatch):
    """The collector's first run after an import walks what is still alive from it: the archive
    (every file, check and outline) must be gone by then (30 ms for 250 files when it was not)."""
    source = (
        archive.project_import(actor=owner, data=zipped(project_files(3)), name="source") if copy else None
    )
    made: list[weakref.ref] = []
    alive_when_resumed: list[bool] = []
    project_archive = archive.project_archive

    def recorded(*args, **kwargs):
        result = project_archive(*args, **kwargs)
        made.append(weakref.ref(result))
        return result

    class Collector:
        def __getattr__(self, name):
            return getattr(gc, name)

        def enable(self):
            alive_when_resumed.append(made[-1]() is not None)
            gc.enable()

    monkeypatch.setattr(archive, "project_archive", recorded)
    monkeypatch.setattr(archive, "gc", Collector())
    if copy:
        archive.project_copy(actor=owner, project=source, name="copied")
    else:
        archive.project_import(actor=owner, data=zipped(project_files(3)))
    assert alive_when_resumed == [False]


def test_nested_pauses_resume_the_collector_once_the_last_ends_and_only_if_it_ran():
    with archive.cyclic_gc_paused():
        with archive.cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with archive.cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # it was not running: it is not started
    finally:
        gc.enable()


@pytest.mark.django_db(transaction=True)
def test_a_refusal_while_the_rows_are_sent_stores_nothing(owner, monkeypatch):
    """Rows already sent (in pipeline mode on PostgreSQL) go with the rolled-back transaction."""
    made = 0
    new_rows = archive._new_rows

    def refusing(*args, **kwargs):
        nonlocal made
        for item in new_rows(*args, **kwargs):
            made += 1
            if made == 4:
                raise ValidationFailed("refused midway", [])
            yield item

    monkeypatch.setattr(archive, "_new_rows", refusing)
    with pytest.raises(ValidationFailed):
        archive.project_import(actor=owner, data=zipped(project_files()))
    assert made == 4
    assert (Project.objects.count(), Model.objects.count(), ModelVersion.objects.count()) == (0, 0, 0)
    monkeypatch.setattr(archive, "_new_rows", new_rows)
    project = archive.project_import(actor=owner, data=zipped(project_files()))  # the connection works
    assert Model.objects.filter(project=project).count() == 7
    assert ModelVersion.objects.filter(model__project=project).count() == 7


def test_rows_sent_one_by_one_hold_what_was_made(owner):
    project = archive.project_import(actor=owner, data=zipped(project_files(3)))
    rows = {model.name: model for model in Model.objects.filter(project=project)}
    assert sorted(rows) == ["movies", "p0", "p1", "p2"]
    for name in ("p0", "p1", "p2"):
        assert bytes(rows[name].content) == project_files(3)[f"processes/{name}.bpmn20.xml"]
        assert list(rows[name].extensions) == [f"Process_{name[1]}"]


# --- the workspace's many-files write ---------------------------------------------------------


def test_many_files_are_written_as_one_at_a_time_writes_wrote_them(workspace_dir):
    files = {"films.json": b"{}", "processes/a.bpmn20.xml": b"<a/>", "processes/a-extensions.json": b""}
    assert workspace.write_files(workspace.project_dir(1, "films"), files, durable=False)
    one_by_one = workspace.project_dir(1, "other")
    store = workspace.tree()
    for relative, data in files.items():
        store.write_bytes(workspace.name_of(one_by_one) + "/" + relative, data, False)

    def listed(folder):
        return {
            p.relative_to(folder).as_posix(): (p.read_bytes(), oct(p.stat().st_mode))
            for p in folder.rglob("*")
            if p.is_file()
        }

    assert listed(workspace.project_dir(1, "films")) == listed(one_by_one)
    assert all(
        not name.startswith(".") for name in os.listdir(workspace.project_dir(1, "films") / "processes")
    )


def test_many_files_refuse_what_one_at_a_time_refused(workspace_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace_dir / "1").mkdir(parents=True)
    (workspace_dir / "2").symlink_to(outside, target_is_directory=True)
    (workspace_dir / "1" / "inside.json").write_bytes(b"inside")
    (workspace_dir / "1" / "link-in.json").symlink_to(workspace_dir / "1" / "inside.json")
    (workspace_dir / "1" / "link-out.json").symlink_to(outside / "secret.json")
    (outside / "secret.json").write_bytes(b"secret")
    store = workspace.tree()
    for name in ["2/p.json", "1/../../p.json", "1/..", "1/link-out.json", "3/../../x/p.json"]:
        with pytest.raises(workspace.OutsideWorkspace):
            store.write_bytes(name, b"x")
        with pytest.raises(workspace.OutsideWorkspace):
            store.write_many({"1/fine.json": b"fine", name: b"x"})
    store.write_many({"1/link-in.json": b"replaced"})  # a link pointing inside is replaced, as before
    assert not (workspace_dir / "1" / "link-in.json").is_symlink()
    assert (workspace_dir / "1" / "link-in.json").read_bytes() == b"replaced"
    assert (workspace_dir / "1" / "inside.json").read_bytes() == b"inside"
    assert (
        sorted(os.listdir(outside)) == ["secret.json"] and (outside / "secret.json").read_bytes() == b"secret"
    )
    assert not (tmp_path / "x").exists() and not (tmp_path / "p.json").exists()
    assert not [n for n in os.listdir(workspace_dir / "1") if n.endswith(".tmp")]


def test_a_failed_write_leaves_no_temp_file_and_the_previous_file_whole(workspace_dir, monkeypatch):
    store = workspace.tree()
    store.write_many({"1/p/a.json": b"before"})

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.write_many({"1/p/a.json": b"after"})
    assert os.listdir(workspace_dir / "1" / "p") == ["a.json"]
    assert (workspace_dir / "1" / "p" / "a.json").read_bytes() == b"before"


def test_a_taken_temp_name_is_not_written_through(workspace_dir, monkeypatch):
    from projects import workspace_storage

    marks = iter(["taken", "free"])
    monkeypatch.setattr(workspace_storage.secrets, "token_hex", lambda n: next(marks))
    folder = workspace_dir / "1" / "p"
    folder.mkdir(parents=True)
    (folder / ".a.json.taken.tmp").write_bytes(b"someone else's")
    workspace.tree().write_many({"1/p/a.json": b"mine"})
    assert (folder / "a.json").read_bytes() == b"mine"
    assert (folder / ".a.json.taken.tmp").read_bytes() == b"someone else's"
