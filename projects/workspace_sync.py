"""The workspace kept in step with the database: one writer per project, files from committed rows.

Every write to a project's folder happens after the change has committed, in a short transaction
that first takes the project's lock (a PostgreSQL advisory lock keyed by the project id), then
reads what is committed now and writes that. Two saves of one model, a rename racing a save, a
delete racing either: whichever sync runs last writes the latest committed state, so the folder
never ends on a loser's files, a stale version, or files in a folder the project has left.

`drift()` compares the whole workspace with the database (missing, stale and orphan files and
folders) and `repair()` makes them equal again: `manage.py rebuild_workspace [--check]`. Both go
through projects/workspace.py, so they work alike on the local folder and on object storage
(where a folder is the prefix of its files' keys: it exists while it holds a file).
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath

from django.db import DatabaseError, connection, transaction

from modeler.sql import db_param
from modeler.timestamps import iso_utc
from projects import workspace
from projects.model_types import model_type, unpack_derived_files
from projects.models import Model, Project
from projects.workspace_storage import LocalWorkspaceStorage

logger = logging.getLogger(__name__)


def _after_commit(write: Callable) -> Callable:
    """A sync runs after the change committed: a database that fails it now (a dropped
    connection, a terminated backend) must not turn a committed save into an error. The files
    wait for the next save of the model or `rebuild_workspace`, like a failed disk write."""

    @functools.wraps(write)
    def guarded(*args, **kwargs):
        try:
            return write(*args, **kwargs)
        except DatabaseError:
            logger.exception(
                "workspace sync %s failed after commit; rebuild_workspace will repair it", write.__name__
            )
            return False

    return guarded


# A model a change touched, by (type, name): the files of that name are rewritten from the
# model that holds it now, or removed when none does.
Touched = tuple[str, str]


def project_manifest(project: Project) -> bytes:
    """The `<project-name>.json` manifest of SPEC §4.1."""
    manifest = {
        "id": str(project.pk),
        "name": project.name,
        "description": project.description,
        "version": str(project.version),
        "createdBy": project.created_by,
        "creationDate": iso_utc(project.creation_date),
        "lastModifiedBy": project.last_modified_by,
        "lastModifiedDate": iso_utc(project.last_modified_date),
        "users": [],
        "groups": [],
    }
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()


def model_files(model: Model) -> dict[str, bytes]:
    """Every file of one model in the zip/workspace layout: its content and derived files."""
    mtype = model_type(model.type)
    files = {mtype.file_name(model.name): bytes(model.content)}
    for name, data in mtype.derived_files(
        str(model.pk), model.name, bytes(model.content), model.extensions
    ).items():
        files[f"{mtype.folder}/{name}"] = data
    return files


def project_files(project: Project) -> dict[str, bytes]:
    """Every file of a project's folder, as the database holds it now."""
    files = {f"{project.name}.json": project_manifest(project)}
    for model in project.models.all():
        files.update(model_files(model))
    return files


def folder_of(project: Project) -> PurePath:
    return workspace.project_dir(project.owner_id, project.name)


_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s)"


def _lock_key(project_id) -> int:
    return int.from_bytes(uuid.UUID(str(project_id)).bytes[:8], "big", signed=True)


def lock(project_id) -> None:
    """Serialize the project's workspace writers until the surrounding transaction ends (every
    writer of a project's folder takes it: these syncs and the import's own write)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [_lock_key(project_id)])


def _committed_project(project_id) -> Project | None:
    return Project.objects.filter(pk=project_id).first()


@_after_commit
def sync_models(project_id, touched: Iterable[Touched], *, saved: Model | None = None) -> None:
    """Rewrite the files of the touched model names from the rows that hold them now.

    `saved` is the model the caller just committed, content and derived files and all: when
    the committed row is still at its version (nothing else wrote it meanwhile), its files are
    written from those bytes, neither read back nor made again. After the lock, one query reads
    the project's folder and the committed (id, version) of every touched name. On the local
    folder a file that already holds the wanted bytes is not written again (a read costs less
    than an fsync'd write: a diagram edit leaves a process's extensions file as it is).
    """
    names = sorted(set(touched))
    with transaction.atomic():
        state = _committed_state(project_id, names, locking=True)
        if state is None:  # deleted meanwhile: its delete removes the folder
            return
        folder, committed = state
        files: dict[str, bytes] = {}
        remove: list[str] = []
        for type_name, name in names:
            row = committed.get((type_name, name))
            if saved is not None and row == (saved.pk, saved.version):
                files.update(_saved_files(saved))
                continue
            # Read again: a delete committed since the query above leaves no row (no lock keeps it).
            model = Model.objects.filter(pk=row[0]).first() if row is not None else None
            if model is None or (model.type, model.name) != (type_name, name):
                remove.extend(model_type(type_name).file_names(name))
            else:
                files.update(model_files(model))
        workspace.write_files(folder, _unwritten(folder, files), remove=tuple(remove))


def _committed_state(
    project_id, names: list[Touched], *, locking: bool = False
) -> tuple[PurePath, dict[Touched, tuple]] | None:
    """The project's folder and (id, version) of the model holding each touched name, as
    committed now (one query); None when the project is gone.

    `locking` takes the project's `lock` first: on PostgreSQL both statements go as one round
    trip, and the read, a statement of its own, sees what committed until the lock was granted.
    """
    models, projects = Model._meta.db_table, Project._meta.db_table
    matches = " OR ".join(["(m.type = %s AND m.name = %s)"] * len(names)) or "false"
    sql = (
        f"SELECT p.owner_id, p.name, m.type, m.name, m.id, m.version FROM {projects} p "  # noqa: S608
        f"LEFT JOIN {models} m ON m.project_id = p.id AND ({matches}) WHERE p.id = %s"
    )
    params = [*(value for pair in names for value in pair), db_param(uuid.UUID(str(project_id)))]
    locked_first = locking and connection.vendor == "postgresql"  # SQLite: the write lock is the lock
    if locked_first:
        sql, params = f"{_LOCK_SQL}; {sql}", [_lock_key(project_id), *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if locked_first:
            cursor.nextset()
        rows = cursor.fetchall()
    if not rows:
        return None
    owner_id, project_name = rows[0][:2]
    pk_field = Model._meta.pk
    committed = {
        (type_name, name): (pk_field.to_python(pk), version)
        for _, _, type_name, name, pk, version in rows
        if pk is not None
    }
    return workspace.project_dir(owner_id, project_name), committed


def _saved_files(saved: Model) -> dict[str, bytes]:
    """The files of the model a save just committed, from the bytes it stored: its content and
    the derived files it packed (made again only when the caller did not keep them)."""
    loaded = saved.__dict__
    if "content" not in loaded or "derived_files" not in loaded:
        return model_files(saved)
    try:
        derived = unpack_derived_files(saved.name, saved.derived_files)
    except ValueError:  # damaged: made again, like any model's
        derived = None
    if derived is None:
        return model_files(saved)
    mtype = model_type(saved.type)
    files = {mtype.file_name(saved.name): bytes(saved.content)}
    files.update((f"{mtype.folder}/{name}", data) for name, data in derived.items())
    return files


def _unwritten(folder: PurePath, files: dict[str, bytes]) -> dict[str, bytes]:
    """`files` without those the local folder already holds as they are (object storage: all)."""
    store = workspace.tree()
    if not isinstance(store, LocalWorkspaceStorage):
        return files
    try:
        base = workspace.name_of(folder, store.top())
    except OSError:  # a folder outside the workspace: write_files refuses it and logs why
        return files
    wanted = {}
    for relative, data in files.items():
        try:
            if store.read_bytes(f"{base}/{relative}") == data:
                continue
        except OSError:
            pass  # missing or unreadable: written (the write refuses what lies outside)
        wanted[relative] = data
    return wanted


@_after_commit
def sync_manifest(project_id) -> None:
    with transaction.atomic():
        lock(project_id)
        project = _committed_project(project_id)
        if project is not None:
            workspace.write_files(folder_of(project), {f"{project.name}.json": project_manifest(project)})


@_after_commit
def rebuild(project_id, *, left: Iterable[PurePath] = ()) -> bool:
    """Rewrite the whole folder from the database and remove `left` (folders the project had
    before a rename or a change of owner). False (logged) when the disk refused a write."""
    with transaction.atomic():
        lock(project_id)
        project = _committed_project(project_id)
        if project is None:
            for folder in left:
                workspace.remove_tree(folder)
            return True
        folder = folder_of(project)
        for old in {*left, *_other_folders_of(project)}:
            if old != folder:
                workspace.remove_tree(old)
        return workspace.replace_folder(folder, project_files(project))


def _other_folders_of(project: Project) -> list[PurePath]:
    """Folders beside the project's own whose manifest names this project (left by a rename)."""
    found = []
    owner_folder = folder_of(project).parent
    owner_name = workspace.name_of(owner_folder)
    for name in workspace.subfolders(owner_folder):
        try:
            manifest = json.loads(workspace.read_bytes(f"{owner_name}/{name}/{name}.json"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and manifest.get("id") == str(project.pk):
            found.append(owner_folder / name)
    return found


@_after_commit
def remove(project_id, folder: PurePath) -> None:
    """After a project's delete committed: its folder goes, and no later sync brings it back."""
    with transaction.atomic():
        lock(project_id)
        if _committed_project(project_id) is None:
            workspace.remove_tree(folder)


# --- drift ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    kind: str  # "missing" | "stale" | "orphan"
    path: str  # relative to the workspace root
    project_id: str | None = None

    def __str__(self) -> str:
        return f"{self.kind:<7} {self.path}"


def drift() -> list[Drift]:
    """Every difference between the workspace and the database, in path order."""
    expected: dict[str, tuple[bytes, str]] = {}
    for project in Project.objects.order_by("pk"):
        base = workspace.name_of(folder_of(project))
        for relative, data in project_files(project).items():
            expected[f"{base}/{relative}"] = (data, str(project.pk))
    present, folders = workspace.contents()
    found: list[Drift] = []
    for path, (data, project_id) in expected.items():
        if path not in present:
            found.append(Drift("missing", path, project_id))
        elif _stored(path) != data:
            found.append(Drift("stale", path, project_id))
    wanted_folders = {str(parent) for path in expected for parent in PurePosixPath(path).parents}
    orphan_folders = {
        folder
        for folder in folders - wanted_folders
        if str(PurePosixPath(folder).parent) in wanted_folders  # the top-most unwanted folder only
    }
    found.extend(Drift("orphan", f"{folder}/") for folder in orphan_folders)
    found.extend(
        Drift("orphan", path)
        for path in present - set(expected)
        if not any(parent in orphan_folders for parent in map(str, PurePosixPath(path).parents))
    )
    return sorted(found, key=lambda d: d.path)


def _stored(path: str) -> bytes | None:
    try:
        return workspace.read_bytes(path)
    except OSError:  # unreadable (a link out of the workspace, a vanished file): not what is wanted
        return None


def repair(found: list[Drift]) -> None:
    """Make the workspace equal to the database again: drop orphans, rebuild drifted projects.

    Orphans go first: one may stand where a project's folder must be written (a link, a file)."""
    for item in found:
        if item.kind != "orphan":
            continue
        if item.path.endswith("/"):
            workspace.remove_tree(workspace.root() / item.path.rstrip("/"))
        else:
            try:
                workspace.remove_file(item.path)
            except OSError:
                logger.exception("could not remove %s from the workspace", item.path)
    for project_id in sorted({d.project_id for d in found if d.project_id}):
        rebuild(project_id)
