"""The workspace names owners by id: usernames such as `.` and `..` can neither escape the
workspace nor share another user's folder, and a planted symlink never leads the writer out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modeler.roles import APS_MODELER
from projects import services, workspace
from tests.factories import ProjectFactory, make_user

pytestmark = pytest.mark.django_db


def _tree(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.mark.parametrize("username", [".", "..", "../..", "a/b"])
def test_dot_usernames_stay_in_their_own_folder(workspace_dir, tmp_path, username):
    other = make_user("olga", APS_MODELER)
    ProjectFactory(owner=other, name="kept")
    odd = make_user(username, APS_MODELER)
    project = ProjectFactory(owner=odd, name="kept")  # same project name as olga's

    assert (workspace_dir / str(odd.pk) / "kept" / "kept.json").is_file()
    assert (workspace_dir / str(other.pk) / "kept" / "kept.json").is_file()
    assert sorted(os.listdir(tmp_path)) == ["workspace"]  # nothing written beside the workspace
    assert sorted(os.listdir(workspace_dir)) == sorted([str(odd.pk), str(other.pk)])

    services.project_delete(actor=odd, project=project)
    assert not (workspace_dir / str(odd.pk) / "kept").exists()
    assert (workspace_dir / str(other.pk) / "kept" / "kept.json").is_file()  # olga keeps hers


def test_deleting_a_project_of_user_dot_leaves_every_other_folder(workspace_dir):
    owners = [make_user(f"u{n}", APS_MODELER) for n in range(3)]
    for owner in owners:
        ProjectFactory(owner=owner, name="p")
    dot = make_user(".", APS_MODELER)
    services.project_delete(actor=dot, project=ProjectFactory(owner=dot, name="p"))
    for owner in owners:
        assert (workspace_dir / str(owner.pk) / "p" / "p.json").is_file()


def test_a_symlink_planted_in_the_workspace_is_not_followed_out(workspace_dir, tmp_path, caplog):
    owner = make_user("olivia", APS_MODELER)
    outside = tmp_path / "outside"
    outside.mkdir()
    workspace_dir.mkdir(parents=True, exist_ok=True)
    (workspace_dir / str(owner.pk)).symlink_to(outside, target_is_directory=True)

    project = services.project_create(actor=owner, name="escape", description="")

    assert project.pk is not None  # the database stays the source of truth: the save succeeded
    assert _tree(outside) == []  # and nothing was written through the link
    assert "outside the workspace" in caplog.text
    services.project_delete(actor=owner, project=project)
    assert outside.is_dir()  # the delete did not remove the link's target


def test_project_dir_refuses_a_username():
    with pytest.raises(TypeError):
        workspace.project_dir("olivia", "p")


def test_rebuild_removes_a_planted_link_and_never_reads_or_writes_through_it(workspace_dir, tmp_path, capsys):
    from django.core.management import call_command

    owner = make_user("olivia", APS_MODELER)
    project = services.project_create(actor=owner, name="escape", description="")
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.json"
    secret.write_bytes(b"secret")
    manifest = workspace_dir / str(owner.pk) / "escape" / "escape.json"
    manifest.unlink()
    manifest.symlink_to(secret)  # a link where a file of the project belongs
    linked_dir = workspace_dir / "9999"
    linked_dir.symlink_to(outside, target_is_directory=True)  # a link where no folder belongs

    with pytest.raises(SystemExit):
        call_command("rebuild_workspace", "--check")
    report = capsys.readouterr().out
    assert f"stale   {owner.pk}/escape/escape.json" in report  # the link is never read as the file
    assert "orphan  9999\n" in report  # a link is listed as an entry, never entered

    call_command("rebuild_workspace")
    assert not manifest.is_symlink() and b'"name": "escape"' in manifest.read_bytes()
    assert not linked_dir.exists() and not linked_dir.is_symlink()
    assert secret.read_bytes() == b"secret" and sorted(os.listdir(outside)) == ["secret.json"]
    assert project.pk is not None


def test_the_storage_api_save_is_atomic_overwrites_and_stays_inside(workspace_dir, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    storage = storages["workspace"]
    assert storage.save("1/p/p.json", ContentFile(b"one")) == "1/p/p.json"
    assert storage.save("1/p/p.json", ContentFile(b"two")) == "1/p/p.json"  # overwritten, not renamed
    assert (workspace_dir / "1" / "p" / "p.json").read_bytes() == b"two"
    assert os.listdir(workspace_dir / "1" / "p") == ["p.json"]  # no temp file left
    (workspace_dir / "2").symlink_to(tmp_path, target_is_directory=True)
    for name in ["2/p.json", "1/../../p.json", "1/.."]:
        with pytest.raises(workspace.OutsideWorkspace):
            workspace.tree().write_bytes(name, b"x")
    assert sorted(os.listdir(tmp_path)) == ["workspace"]
