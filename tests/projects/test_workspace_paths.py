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
