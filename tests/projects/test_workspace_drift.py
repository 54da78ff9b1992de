"""No workspace drift: saves, renames and deletes racing on PostgreSQL leave exactly the committed
files; `rebuild_workspace --check` reports missing, stale and orphan files and folders, and
`rebuild_workspace` repairs them."""

from __future__ import annotations

import json
import random
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from modeler.problems import ModelingError
from projects import services, workspace_sync
from projects.models import Model, Project
from tests.connectors.conftest import FIXTURE


def _connector(name: str, token: str) -> bytes:
    document = json.loads(FIXTURE.read_bytes())
    document["name"] = name
    document["description"] = token
    return (json.dumps(document, indent=2) + "\n").encode()


def _worker(seed: int, owner, project_id, errors: list, rounds: int) -> None:
    chance = random.Random(seed)
    try:
        for step in range(rounds):
            project = Project.objects.get(pk=project_id)
            models = list(Model.objects.filter(project_id=project_id).order_by("name"))
            action = chance.choice(
                ["save", "save", "save", "rename-model", "rename-project", "delete-create"]
            )
            try:
                if action == "save" and models:
                    model = chance.choice(models)
                    if model.type == "CONNECTOR":
                        content = _connector(model.name, f"t{seed}-{step}")
                        services.model_save_content(actor=owner, model=model, content=content)
                    else:
                        services.model_update(actor=owner, model=model, description=f"t{seed}-{step}")
                elif action == "rename-model" and models:
                    model = chance.choice(models)
                    services.model_update(actor=owner, model=model, name=f"m{seed}-{step}")
                elif action == "rename-project":
                    services.project_update(actor=owner, project=project, name=f"race-{seed}-{step}")
                elif action == "delete-create" and models:
                    services.model_delete(actor=owner, model=chance.choice(models))
                    services.model_create(
                        actor=owner,
                        project=project,
                        type_name="CONNECTOR",
                        name=f"c{seed}-{step}",
                        content=_connector(f"c{seed}-{step}", "new"),
                    )
            except ModelingError:
                pass  # a lost race (404, 409, 412) is an answer, not a failure
    except Exception as error:  # noqa: BLE001
        errors.append(repr(error))
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_saves_renames_and_deletes_leave_exactly_the_committed_files(owner, project):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for n in range(3):
        services.model_create(
            actor=owner,
            project=project,
            type_name="CONNECTOR",
            name=f"c{n}",
            content=_connector(f"c{n}", "0"),
        )
    services.model_create(actor=owner, project=project, type_name="PROCESS", name="p0")
    errors: list[str] = []
    threads = [
        threading.Thread(target=_worker, args=(seed, owner, project.pk, errors, 12)) for seed in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert workspace_sync.drift() == []
    project.refresh_from_db()
    assert project.name.startswith("race-") or project.name == "movies-app"
    folder = workspace_sync.folder_of(project)
    assert sorted(path.name for path in folder.parent.iterdir()) == [project.name]  # no folder left behind


@pytest.mark.django_db
def test_check_reports_drift_and_rebuild_repairs_it(owner, project, workspace_dir, capsys):
    model, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=_connector("movies", "x")
    )
    folder = workspace_sync.folder_of(project)
    (folder / "connectors" / "movies.json").write_bytes(b"{}")  # stale
    (folder / f"{project.name}.json").unlink()  # missing
    (folder / "connectors" / "leftover.json").write_bytes(b"{}")  # orphan file
    (workspace_dir / "9999" / "gone-project").mkdir(parents=True)  # orphan folder
    (workspace_dir / "9999" / "gone-project" / "gone-project.json").write_bytes(b"{}")

    with pytest.raises(SystemExit) as exit_status:
        call_command("rebuild_workspace", "--check")
    assert exit_status.value.code == 1
    report = capsys.readouterr().out
    base = f"{owner.pk}/{project.name}"
    assert f"stale   {base}/connectors/movies.json" in report
    assert f"missing {base}/{project.name}.json" in report
    assert f"orphan  {base}/connectors/leftover.json" in report
    assert "orphan  9999/" in report
    assert (folder / "connectors" / "movies.json").read_bytes() == b"{}"  # --check changed nothing

    call_command("rebuild_workspace")
    assert workspace_sync.drift() == []
    assert (folder / "connectors" / "movies.json").read_bytes() == bytes(model.content)
    assert not (workspace_dir / "9999").exists()
    call_command("rebuild_workspace", "--check")
    assert "the workspace matches the database" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_save_whose_workspace_sync_loses_the_database_still_answers_200(owner, project):
    """The save has committed when the sync starts: a terminated backend there is logged and
    left to rebuild_workspace, never answered as a failed save (the load harness found a 503)."""
    import uuid as uuid_module

    import psycopg
    from rest_framework.test import APIClient

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    model, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=_connector("movies", "0")
    )
    key = int.from_bytes(uuid_module.UUID(str(project.pk)).bytes[:8], "big", signed=True)
    settings = connection.settings_dict
    holder = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    results = []

    def save():
        client = APIClient()
        client.force_login(owner)
        body = _connector("movies", "committed")
        results.append(
            client.generic(
                "PUT",
                f"/modeling-service/v1/models/{model.pk}/content",
                body,
                content_type="application/json",
                HTTP_IF_MATCH='"0.0.1"',
            )
        )
        connections.close_all()

    try:
        holder.execute("SELECT pg_advisory_lock(%s)", [key])
        thread = threading.Thread(target=save)
        thread.start()
        for _ in range(200):
            waiting = holder.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
            ).fetchall()
            if waiting:
                break
            threading.Event().wait(0.05)
        assert waiting, "the save never reached its workspace sync"
        holder.execute("SELECT pg_terminate_backend(%s)", [waiting[0][0]])
        thread.join(30)
    finally:
        holder.close()
    (response,) = results
    assert response.status_code == 200, response.content[:300]
    assert response["ETag"] == '"0.0.2"'
    stored = Model.objects.get(pk=model.pk)
    assert stored.version == 2 and b"committed" in bytes(stored.content)
    assert [d.kind for d in workspace_sync.drift()] == ["stale"]  # the file waits for the repair
    call_command("rebuild_workspace")
    assert workspace_sync.drift() == []
