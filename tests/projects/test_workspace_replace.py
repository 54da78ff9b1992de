"""projects.workspace.replace_folder: a project folder written whole beside the old one, then
renamed into its place (the import's and rebuild_workspace's write): nothing of the old folder
left, nothing written through a link, and on failure the old folder whole and no temp folder."""

from __future__ import annotations

import os

import pytest

from projects import workspace, workspace_storage

FILES = {"p.json": b"{}", "processes/a.bpmn20.xml": b"<a/>", "processes/a-extensions.json": b"{}"}


def on_disk(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_folder_holds_the_files_and_nothing_of_the_old_one(workspace_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_bytes(b"secret")
    folder = workspace_dir / "1" / "p"
    (folder / "connectors").mkdir(parents=True)
    (folder / "connectors" / "old.json").write_bytes(b"old")
    (folder / "p.json").write_bytes(b"old manifest")
    (folder / "planted").symlink_to(outside, target_is_directory=True)

    assert workspace.replace_folder(folder, FILES)

    assert on_disk(folder) == FILES
    assert not (folder / "planted").is_symlink() and not (folder / "connectors").exists()
    assert sorted(os.listdir(outside)) == ["secret.json"]  # removed the link, not what it points at
    assert os.listdir(workspace_dir / "1") == ["p"]  # no temp or old folder left beside it
    assert oct(folder.stat().st_mode & 0o777) == oct(0o777 & ~_umask())  # made as os.makedirs makes it


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_new_folder_is_made_with_its_parents(workspace_dir):
    folder = workspace_dir / "7" / "new"
    assert workspace.replace_folder(folder, FILES)
    assert on_disk(folder) == FILES


def test_a_link_where_the_folder_goes_is_removed_never_followed(workspace_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace_dir / "1").mkdir(parents=True)
    (workspace_dir / "1" / "p").symlink_to(outside, target_is_directory=True)

    assert workspace.replace_folder(workspace_dir / "1" / "p", FILES)

    assert not (workspace_dir / "1" / "p").is_symlink() and on_disk(workspace_dir / "1" / "p") == FILES
    assert os.listdir(outside) == []


def test_a_link_where_the_owner_folder_goes_is_not_written_through(workspace_dir, tmp_path, caplog):
    outside = tmp_path / "outside"
    outside.mkdir()
    workspace_dir.mkdir(parents=True)
    (workspace_dir / "1").symlink_to(outside, target_is_directory=True)

    assert not workspace.replace_folder(workspace_dir / "1" / "p", FILES)

    assert os.listdir(outside) == [] and "outside the workspace" in caplog.text


@pytest.mark.parametrize(
    "relative", ["../escape.json", "a/../../b.json", "/abs.json", "a//b.json", "a\\b.json"]
)
def test_a_path_that_is_not_plain_writes_nothing(workspace_dir, relative):
    folder = workspace_dir / "1" / "p"
    folder.mkdir(parents=True)
    (folder / "p.json").write_bytes(b"before")

    assert not workspace.replace_folder(folder, {"ok.json": b"x", relative: b"x"})

    assert on_disk(folder) == {"p.json": b"before"}
    assert sorted(os.listdir(workspace_dir / "1")) == ["p"]
    assert not (workspace_dir / "escape.json").exists() and not (workspace_dir.parent / "b.json").exists()


def test_readers_see_the_old_folder_until_the_new_one_is_whole(workspace_dir, monkeypatch):
    folder = workspace_dir / "1" / "p"
    folder.mkdir(parents=True)
    (folder / "p.json").write_bytes(b"before")
    seen = []
    write = workspace_storage._write_new

    def watching(path, data):
        seen.append(on_disk(folder))
        write(path, data)

    monkeypatch.setattr(workspace_storage, "_write_new", watching)
    assert workspace.replace_folder(folder, FILES)
    assert seen == [{"p.json": b"before"}] * len(FILES)
    assert on_disk(folder) == FILES


def test_a_failed_write_leaves_the_old_folder_whole_and_no_temp_folder(workspace_dir, monkeypatch):
    folder = workspace_dir / "1" / "p"
    folder.mkdir(parents=True)
    (folder / "p.json").write_bytes(b"before")
    write = workspace_storage._write_new
    written = []

    def full_disk(path, data):
        if written:  # the second file finds the disk full
            raise OSError(28, "No space left on device")
        written.append(path)
        write(path, data)

    monkeypatch.setattr(workspace_storage, "_write_new", full_disk)

    assert not workspace.replace_folder(folder, FILES)

    assert on_disk(folder) == {"p.json": b"before"}
    assert os.listdir(workspace_dir / "1") == ["p"]


def test_a_failed_swap_puts_the_old_folder_back(workspace_dir, monkeypatch):
    folder = workspace_dir / "1" / "p"
    folder.mkdir(parents=True)
    (folder / "p.json").write_bytes(b"before")
    rename = os.rename

    def refusing(src, dst):
        if str(src).endswith(".tmp"):
            raise OSError(5, "Input/output error")
        rename(src, dst)

    monkeypatch.setattr(workspace_storage.os, "rename", refusing)

    assert not workspace.replace_folder(folder, FILES)

    assert on_disk(folder) == {"p.json": b"before"}
    assert os.listdir(workspace_dir / "1") == ["p"]
