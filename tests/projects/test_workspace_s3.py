"""The workspace on S3-compatible object storage (django-storages' S3Storage, served in process by
moto): saves, renames and deletes keep the bucket equal to the committed rows under the prefix,
`rebuild_workspace --check` reports missing, stale and orphan files and folders there and
`rebuild_workspace` repairs them, an unreachable bucket never fails a save, and nothing outside
the prefix is touched."""

from __future__ import annotations

import json

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from moto import mock_aws

from modeler.settings import _workspace_storage
from projects import services, workspace, workspace_sync
from projects.workspace_storage import LocalWorkspaceStorage, OutsideWorkspace, StorageTree
from tests.connectors.conftest import FIXTURE
from tests.factories import ProjectFactory, make_user

BUCKET = "modeler-workspace"
ENDPOINT = "http://127.0.0.1:9000"  # a MinIO-style endpoint; moto answers it in process


def _connector(name: str, token: str) -> bytes:
    document = json.loads(FIXTURE.read_bytes())
    document["name"] = name
    document["description"] = token
    return (json.dumps(document, indent=2) + "\n").encode()


@pytest.fixture
def s3(settings, monkeypatch):
    """A bucket behind the settings' own s3 configuration (endpoint, path-style, prefix)."""
    monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", ENDPOINT)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", endpoint_url=ENDPOINT)
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "workspace": _workspace_storage(
                {
                    "MODELER_WORKSPACE_STORAGE": "s3",
                    "MODELER_WORKSPACE_S3_BUCKET": BUCKET,
                    "MODELER_WORKSPACE_S3_PREFIX": "team/workspace/",
                    "MODELER_WORKSPACE_S3_ENDPOINT_URL": ENDPOINT,
                    "MODELER_WORKSPACE_S3_REGION": "us-east-1",
                    "MODELER_WORKSPACE_S3_ADDRESSING_STYLE": "path",
                }
            ),
        }
        yield client


def keys(client, prefix: str = "") -> dict[str, bytes]:
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for entry in page.get("Contents", ()):
            found[entry["Key"]] = client.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read()
    return found


def put(client, key: str, data: bytes = b"{}") -> None:
    client.put_object(Bucket=BUCKET, Key=key, Body=data)


@pytest.mark.django_db
def test_the_workspace_storage_is_s3_and_nothing_is_written_locally(s3, owner, workspace_dir):
    assert isinstance(workspace.tree(), StorageTree)
    assert str(workspace.root()) == "/team/workspace"
    project = services.project_create(actor=owner, name="films", description="")
    assert str(workspace_sync.folder_of(project)) == f"/team/workspace/{owner.pk}/films"
    assert list(keys(s3)) == [f"team/workspace/{owner.pk}/films/films.json"]
    assert not workspace_dir.exists()


@pytest.mark.django_db
def test_save_rename_and_delete_keep_the_bucket_equal_to_the_rows(s3, owner):
    project = services.project_create(actor=owner, name="films", description="")
    base = f"team/workspace/{owner.pk}/films"
    model, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=_connector("movies", "0")
    )
    process, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank")
    stored = keys(s3)
    assert sorted(stored) == [
        f"{base}/connectors/movies.json",
        f"{base}/films.json",
        f"{base}/processes/rank-extensions.json",
        f"{base}/processes/rank.bpmn20.xml",
    ]
    assert stored[f"{base}/connectors/movies.json"] == bytes(model.content)

    saved, _ = services.model_save_content(actor=owner, model=model, content=_connector("movies", "saved"))
    assert keys(s3)[f"{base}/connectors/movies.json"] == bytes(saved.content)
    assert b'"saved"' in bytes(saved.content)

    services.model_update(actor=owner, model=process, name="rate")  # a model's rename: its files move
    assert sorted(k.removeprefix(f"{base}/") for k in keys(s3)) == [
        "connectors/movies.json",
        "films.json",
        "processes/rate-extensions.json",
        "processes/rate.bpmn20.xml",
    ]

    project.refresh_from_db()
    services.project_update(actor=owner, project=project, name="cinema")  # the folder moves
    moved = keys(s3)
    new_base = f"team/workspace/{owner.pk}/cinema"
    assert sorted(moved) == sorted(
        f"{new_base}/{name}"
        for name in [
            "cinema.json",
            "connectors/movies.json",
            "processes/rate-extensions.json",
            "processes/rate.bpmn20.xml",
        ]
    )
    assert json.loads(moved[f"{new_base}/cinema.json"])["name"] == "cinema"
    assert workspace_sync.drift() == []

    other = services.project_create(actor=owner, name="other", description="")
    project.refresh_from_db()
    services.project_delete(actor=owner, project=project)
    assert list(keys(s3)) == [f"team/workspace/{owner.pk}/other/other.json"]
    assert workspace_sync.drift() == []
    assert other.pk is not None


@pytest.mark.django_db
def test_two_owners_with_one_project_name_and_odd_usernames_keep_their_own_prefixes(s3):
    odd, olga = make_user("..", "APS_MODELER"), make_user("olga", "APS_MODELER")
    ProjectFactory(owner=olga, name="kept")
    project = ProjectFactory(owner=odd, name="kept")
    assert sorted(keys(s3)) == sorted(
        [f"team/workspace/{odd.pk}/kept/kept.json", f"team/workspace/{olga.pk}/kept/kept.json"]
    )
    services.project_delete(actor=odd, project=project)
    assert list(keys(s3)) == [f"team/workspace/{olga.pk}/kept/kept.json"]


@pytest.mark.django_db
def test_check_reports_drift_in_the_bucket_and_rebuild_repairs_it(s3, owner, project, capsys):
    model, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=_connector("movies", "x")
    )
    base = f"{owner.pk}/{project.name}"
    prefix = f"team/workspace/{base}"
    put(s3, f"{prefix}/connectors/movies.json", b"{}")  # stale
    s3.delete_object(Bucket=BUCKET, Key=f"{prefix}/{project.name}.json")  # missing
    put(s3, f"{prefix}/connectors/leftover.json")  # orphan file
    put(s3, "team/workspace/9999/gone-project/gone-project.json")  # orphan folder (a prefix)
    put(s3, "team/workspace/9999/gone-project/connectors/c.json")
    put(s3, "team/other-app/keep.json", b"not ours")  # beside the prefix: never touched
    put(s3, "team/workspace-old/keep.json", b"not ours either")  # a prefix that only starts alike

    with pytest.raises(SystemExit) as exit_status:
        call_command("rebuild_workspace", "--check")
    assert exit_status.value.code == 1
    report = capsys.readouterr().out.splitlines()
    expected = [
        ("orphan ", "9999/"),
        ("stale  ", f"{base}/connectors/movies.json"),
        ("orphan ", f"{base}/connectors/leftover.json"),
        ("missing", f"{base}/{project.name}.json"),
    ]
    assert report[:4] == [f"{kind} {path}" for kind, path in sorted(expected, key=lambda item: item[1])]
    assert len(report) == 5 and "4 difference(s)" in report[4]
    assert keys(s3, f"{prefix}/connectors/movies.json")[f"{prefix}/connectors/movies.json"] == b"{}"

    call_command("rebuild_workspace")
    assert "4 difference(s) repaired" in capsys.readouterr().out
    assert workspace_sync.drift() == []
    stored = keys(s3)
    assert stored[f"{prefix}/connectors/movies.json"] == bytes(model.content)
    assert f"{prefix}/{project.name}.json" in stored
    assert not any(key.startswith("team/workspace/9999/") for key in stored)
    assert f"{prefix}/connectors/leftover.json" not in stored
    assert stored["team/other-app/keep.json"] == b"not ours"
    assert stored["team/workspace-old/keep.json"] == b"not ours either"
    call_command("rebuild_workspace", "--check")
    assert "the workspace matches the database" in capsys.readouterr().out


@pytest.mark.django_db
def test_move_tree_on_object_storage_copies_each_file_and_drops_the_old_keys(s3):
    put(s3, "team/workspace/1/a/a.json", b"A")
    put(s3, "team/workspace/1/a/connectors/x.json", b"X")
    put(s3, "team/workspace/1/b/stale.json", b"old")  # whatever the target held goes
    workspace.move_tree(workspace.project_dir(1, "a"), workspace.project_dir(1, "b"))
    assert keys(s3) == {"team/workspace/1/b/a.json": b"A", "team/workspace/1/b/connectors/x.json": b"X"}


def test_names_that_are_no_path_elements_are_refused_on_object_storage(s3):
    tree = workspace.tree()
    for name in ["../escape.json", "1/../../escape.json", "/abs.json", "1//x.json", "1/./x.json"]:
        with pytest.raises(OutsideWorkspace):
            tree.write_bytes(name, b"x")
    assert keys(s3) == {}
    assert workspace.write_files(workspace.project_dir(1, ".."), {"x.json": b"x"}) is False
    assert keys(s3) == {}


@pytest.mark.django_db
def test_an_unreachable_bucket_never_fails_a_save_and_rebuild_repairs_it(s3, owner, caplog):
    s3.delete_bucket(Bucket=BUCKET)
    project = services.project_create(actor=owner, name="films", description="")
    model, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=_connector("movies", "0")
    )
    assert model.pk is not None  # the database is the source of truth: both saves committed
    assert "workspace write failed" in caplog.text and "NoSuchBucket" in caplog.text

    s3.create_bucket(Bucket=BUCKET)
    assert sorted(d.kind for d in workspace_sync.drift()) == ["missing", "missing"]
    call_command("rebuild_workspace")
    assert workspace_sync.drift() == []
    assert keys(s3)[f"team/workspace/{owner.pk}/films/connectors/movies.json"] == bytes(model.content)


def test_settings_choose_the_workspace_storage_from_the_environment():
    assert _workspace_storage({}) == {"BACKEND": "projects.workspace_storage.LocalWorkspaceStorage"}
    assert _workspace_storage({"MODELER_WORKSPACE_STORAGE": "local"})["BACKEND"].endswith(
        "LocalWorkspaceStorage"
    )
    with pytest.raises(ImproperlyConfigured, match="MODELER_WORKSPACE_S3_BUCKET"):
        _workspace_storage({"MODELER_WORKSPACE_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="'local' or 's3'"):
        _workspace_storage({"MODELER_WORKSPACE_STORAGE": "gcs"})
    s3 = _workspace_storage(
        {
            "MODELER_WORKSPACE_STORAGE": "S3",
            "MODELER_WORKSPACE_S3_BUCKET": "b",
            "MODELER_WORKSPACE_S3_ACCESS_KEY_ID": "key",
            "MODELER_WORKSPACE_S3_SECRET_ACCESS_KEY": "secret",
        }
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"] == {
        "bucket_name": "b",
        "location": "workspace",
        "file_overwrite": True,
        "default_acl": None,
        "querystring_auth": True,
        "access_key": "key",
        "secret_key": "secret",
    }


def test_the_default_is_the_local_folder_read_at_each_use(settings, tmp_path):
    store = workspace.tree()
    assert isinstance(store, LocalWorkspaceStorage)
    settings.MODELER_WORKSPACE_DIR = tmp_path / "elsewhere"
    assert workspace.root() == tmp_path / "elsewhere"
    assert workspace.write_files(workspace.project_dir(7, "p"), {"p.json": b"{}"})
    assert (tmp_path / "elsewhere" / "7" / "p" / "p.json").read_bytes() == b"{}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_saves_renames_and_deletes_leave_exactly_the_committed_objects(s3, owner, project):
    """The per-project lock serializes the writers of every app server, whatever the storage."""
    import threading

    from django.db import connection

    from tests.projects.test_workspace_drift import _worker

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
        threading.Thread(target=_worker, args=(seed, owner, project.pk, errors, 8)) for seed in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert workspace_sync.drift() == []
    project.refresh_from_db()
    expected = {
        f"team/workspace/{owner.pk}/{project.name}/{relative}": data
        for relative, data in workspace_sync.project_files(project).items()
    }
    assert keys(s3) == expected  # exactly the committed files, no folder left behind by a rename
