"""A model's files removed leave no empty folder behind: the last process of a project deleted or
renamed away takes `processes/` with it, as a rebuild would have it (a drift race found one)."""

from __future__ import annotations

import pytest

from projects import services, workspace_sync

pytestmark = pytest.mark.django_db


def test_the_last_process_deleted_takes_its_folder_and_leaves_no_drift(owner, project):
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="p0")
    folder = workspace_sync.folder_of(project)
    assert (folder / "processes" / "p0.bpmn20.xml").exists()
    services.model_delete(actor=owner, model=model)
    assert not (folder / "processes").exists()
    assert workspace_sync.drift() == []


def test_a_folder_still_holding_files_stays(owner, project):
    first, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="p0")
    services.model_create(actor=owner, project=project, type_name="PROCESS", name="p1")
    services.model_delete(actor=owner, model=first)
    folder = workspace_sync.folder_of(project)
    assert sorted(path.name for path in (folder / "processes").iterdir()) == [
        "p1-extensions.json",
        "p1.bpmn20.xml",
    ]
    assert workspace_sync.drift() == []
