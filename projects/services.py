"""Every write on projects and collaborators: keyword-only, one transaction, an `actor`."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from guardian.shortcuts import assign_perm, remove_perm

from modeler.problems import Conflict, NotFound, Problem, ValidationFailed, VersionConflict, capped
from modeler.roles import APS_MODELER, has_role
from projects import content_store, workspace, workspace_sync
from projects.model_types import ContentCheck, ModelType, model_type
from projects.models import Collaborator, Model, Project
from projects.names import dns_name_problems
from projects.permissions import COLLABORATOR_PERMISSIONS, OWNER_PERMISSIONS, grant_owner
from projects.workspace_sync import model_files, project_manifest  # noqa: F401  (the archive's)

MAX_DESCRIPTION_LENGTH = 4000


def _check_name(name: object) -> str:
    problems = dns_name_problems(name, "project")
    if problems:
        raise ValidationFailed("Validation errors found in project's models", problems)
    assert isinstance(name, str)
    return name


def _check_description(description: object) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ValidationFailed("The description must be a string")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(
            f"The description length cannot be greater than {MAX_DESCRIPTION_LENGTH}",
            [Problem("length.greater", f"description: at most {MAX_DESCRIPTION_LENGTH} characters")],
        )
    return description


def _name_taken(owner, name: str, exclude_id=None) -> bool:
    others = Project.objects.filter(owner=owner, name=name)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    return others.exists()


def _conflict(name: str) -> Conflict:
    return Conflict(
        f"A project with the name '{name}' already exists",
        [
            Problem(
                "Data integrity violation",
                f"A project with the name '{name}' already exists",
                error_code="name_conflict",
            )
        ],
    )


def project_create(*, actor, name: object, description: object = "") -> Project:
    name = _check_name(name)
    description = _check_description(description)
    if _name_taken(actor, name):
        raise _conflict(name)
    try:
        with transaction.atomic():
            project = project_insert(actor=actor, name=name, description=description)
    except IntegrityError:
        raise _conflict(name) from None
    _write_manifest(project)
    return project


def project_insert(*, actor, name: str, description: str) -> Project:
    """The project row and its owner's permissions, inside the caller's transaction: no checks
    and no workspace (project_create and the archive import check first and write after)."""
    project = Project.objects.create(
        name=name,
        description=description,
        owner=actor,
        created_by=actor.username,
        last_modified_by=actor.username,
    )
    grant_owner(actor, project)
    return project


def project_update(*, actor, project: Project, name: object = None, description: object = None) -> Project:
    new_name = _check_name(name) if name is not None else None
    new_description = _check_description(description) if description is not None else None
    try:
        with transaction.atomic():
            # The name it has now, read under the row lock: a rename racing another one moves
            # the folder the project really has, never one it had before the other rename.
            current = Project.objects.select_for_update().filter(pk=project.pk).first()
            if current is None:
                raise NotFound(f"Project not found: {project.pk}")
            old_name = current.name
            changed = []
            if new_name is not None:
                if new_name != old_name and _name_taken(current.owner_id, new_name, exclude_id=current.pk):
                    raise _conflict(new_name)
                current.name = new_name
                changed.append("name")
            if new_description is not None:
                current.description = new_description
                changed.append("description")
            current.last_modified_by = actor.username
            current.save(update_fields=[*changed, "last_modified_by", "last_modified_date"])
    except IntegrityError:
        raise _conflict(str(new_name)) from None
    if current.name != old_name:
        workspace_sync.rebuild(current.pk, left=[workspace.project_dir(current.owner_id, old_name)])
    else:
        _write_manifest(current)
    project.name, project.description = current.name, current.description
    project.last_modified_by, project.last_modified_date = (
        current.last_modified_by,
        current.last_modified_date,
    )
    return project


def project_delete(*, actor, project: Project) -> None:
    project_id, folder = project.pk, workspace.project_dir(project.owner_id, project.name)
    try:
        with transaction.atomic():
            _lock_project(project_id, exclusive=True)  # waits for the saves under way, blocks new ones
            project.delete()
    except ProtectedError as error:
        # Something outside the modeling apps holds on to the project (a deployment descriptor
        # names one of its releases): refuse, naming what, rather than fail.
        users = sorted({f"{type(obj)._meta.verbose_name} '{obj}'" for obj in error.protected_objects})
        raise Conflict(
            f"The project '{project.name}' cannot be deleted while these use its releases: "
            f"{', '.join(users[:10])}{' …' if len(users) > 10 else ''}. Delete them first.",
            [Problem("Project in use", f"Used by {len(users)} object(s)", error_code="project_in_use")],
        ) from None
    workspace_sync.remove(project_id, folder)


def collaborator_add(*, actor, project: Project, username: str) -> Collaborator:
    """Share the project with a modeler. An unknown account, an inactive one and one without the
    role get the same answer, so the form tells nobody which usernames exist or hold a role."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not has_role(user, APS_MODELER):
        raise NotFound(
            f"No modeler named '{username[:150]}' can be added. Check the username, and that an "
            f"administrator has given them the {APS_MODELER} role; only modelers can collaborate."
        )
    if user.pk == project.owner_id:
        raise ValidationFailed(f"'{username}' owns the project and cannot be added as a collaborator")
    with transaction.atomic():
        collaborator, _ = Collaborator.objects.select_for_update().get_or_create(
            project=project, user=user, defaults={"created_by": actor.username}
        )
        for permission in COLLABORATOR_PERMISSIONS:
            assign_perm(permission.value, user, project)
    return collaborator


def collaborator_remove(*, actor, project: Project, username: str) -> None:
    collaborator = (
        Collaborator.objects.filter(project=project, user__username=username).select_related("user").first()
    )
    if collaborator is None:
        raise NotFound(f"Collaborator not found: {username[:150]}")
    with transaction.atomic():
        for permission in COLLABORATOR_PERMISSIONS:
            remove_perm(permission.value, collaborator.user, project)
        collaborator.delete()


# --- the workspace copy -------------------------------------------------------------------


def _write_manifest(project: Project) -> None:
    workspace_sync.sync_manifest(project.pk)


def workspace_rebuild(project: Project) -> None:
    """Rewrite a project's workspace folder from the database (the source of truth)."""
    if not workspace_sync.rebuild(project.pk):
        raise OSError(
            f"could not write the workspace of {project.name} under {workspace_sync.folder_of(project)}"
        )


# --- models ---------------------------------------------------------------------------------


def _check_model_name(name: object, mtype: ModelType) -> str:
    problems = dns_name_problems(name, mtype.name.lower())
    if problems:
        raise ValidationFailed(f"Invalid {mtype.name.lower()} name", problems)
    assert isinstance(name, str)
    return name


def _model_conflict(project: Project, mtype: ModelType, name: str) -> Conflict:
    return Conflict(
        f"A model with the same type already exists within the project with id: {project.pk}",
        [
            Problem(
                "Model name conflict",
                f"A {mtype.name.lower()} named '{name}' already exists in this project",
                error_code="name_conflict",
            )
        ],
    )


def check_content_size(mtype: ModelType, content: bytes) -> None:
    if len(content) > mtype.max_bytes:
        raise ValidationFailed(
            f"File size exceeded: {mtype.name.lower()} content is larger than the limit of {mtype.max_bytes} bytes",
            status=413,
            error_code="payload_too_large",
        )


def model_check(*, model_type_name: str, content: bytes) -> ContentCheck:
    """Check candidate content on its own (raises ValidationFailed when it must be refused)."""
    mtype = model_type(model_type_name)
    check_content_size(mtype, content)
    return mtype.check_content(content)


class _CheckedAlready:
    """A check made already, read as a started one (`ModelType.start_check`)."""

    def __init__(self, check: ContentCheck) -> None:
        self._check = check

    def early(self) -> ContentCheck:
        return self._check

    def result(self) -> ContentCheck:
        return self._check


def start_model_check(*, model_type_name: str, content: bytes):
    """`model_check` of one file of many, started now and read later: `.result()` is the check
    (or raises). Several started one after the other are checked side by side (an import's
    files), each in one worker thread."""
    return _start_check(model_type(model_type_name), content, among_many=True)


def _start_check(mtype: ModelType, content: bytes, *, among_many: bool = False):
    """`model_check` started now and read later (`.early()`, `.result()`): a type that can check
    in worker threads (`ModelType.start_check`) does, and the caller works meanwhile; others
    check now."""
    check_content_size(mtype, content)
    if mtype.start_check is not None:
        return mtype.start_check(content, among_many=among_many)
    return _CheckedAlready(mtype.check_content(content))


def _complete(
    mtype: ModelType, project: Project, check: ContentCheck, extensions: Any, stored: Model | None
) -> tuple[Any, list[Problem]]:
    """The extensions to store and the problems the type's project-wide checks find (`_with`
    adds them to the check's). The check's outline (`parsed`) is enough: not its problems."""
    if mtype.complete_save is None:
        if extensions is not ... and extensions is not None:
            raise ValidationFailed(
                f"A {mtype.name.lower()} has no extensions: send its content only",
                [Problem("Unexpected extensions", f"Models of type {mtype.name} take no extensions")],
                error_code="extensions_not_allowed",
            )
        return (stored.extensions if stored is not None else None), []
    return mtype.complete_save(project, check, extensions, stored)


def _with(check: ContentCheck, more: list[Problem]) -> ContentCheck:
    """Every problem of the save: the content's, then the project-wide ones (`_complete`)."""
    return replace(check, problems=capped([*check.problems, *more])) if more else check


def model_validate(*, model: Model, content: bytes, extensions: Any = ...) -> ContentCheck:
    """Every problem candidate content (and extensions) would have if saved now, without saving."""
    mtype = model_type(model.type)
    check = model_check(model_type_name=mtype.name, content=content)
    return _with(check, _complete(mtype, model.project, check, extensions, model)[1])


# Locks are always taken in one order: the project row (shared by the writers of its models,
# exclusive for its deletion), then the model row. A write racing a delete therefore waits for
# it and then finds nothing (404), instead of deadlocking or failing on a vanished row.


def _lock_project(project_id, *, exclusive: bool = False) -> None:
    """Hold the project row until the transaction ends; 404 when it was deleted meanwhile."""
    if connection.vendor == "postgresql":
        mode = "UPDATE" if exclusive else "SHARE"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM projects_project WHERE id = %s FOR {mode}", [project_id])  # noqa: S608
            found = cursor.fetchone() is not None
    else:  # SQLite locks the whole database for a writing transaction
        found = Project.objects.filter(pk=project_id).exists()
    if not found:
        raise NotFound("The project was deleted (by someone else) before this change could be saved.")


def model_create(
    *,
    actor,
    project: Project,
    type_name: object,
    name: object,
    description: object = "",
    content: bytes | None = None,
    extensions: Any = None,
) -> tuple[Model, ContentCheck]:
    mtype = model_type(type_name)
    description = _check_description(description)
    if content is None:
        name = _check_model_name(name, mtype)
        content = mtype.initial_content(name, description)
    check = model_check(model_type_name=mtype.name, content=content)
    name = _check_model_name(check.name or name, mtype)
    if Model.objects.filter(project=project, type=mtype.name, name=name).exists():
        raise _model_conflict(project, mtype, name)
    try:
        with transaction.atomic():
            _lock_project(project.pk)
            extensions, more = _complete(
                mtype, project, check, extensions if extensions is not None else ..., None
            )
            check = _with(check, more)
            model = Model(
                project=project,
                type=mtype.name,
                name=name,
                description=description,
                content=content,
                extensions=extensions,
                problems=[problem.as_json() for problem in check.problems],
                version=1,
                created_by=actor.username,
                last_modified_by=actor.username,
            )
            model.derived_files = mtype.packed_derived_files(str(model.pk), name, content, extensions)
            content_store.insert_models([model])
            model._state.adding = False
            content_store.insert_version(model, created_by=actor.username)
            if mtype.after_save:
                mtype.after_save(model, check)
    except IntegrityError:
        raise _model_conflict(project, mtype, name) from None
    workspace_sync.sync_models(project.pk, [(mtype.name, name)], saved=model)
    return model, check


# The columns the locked read of a model takes: all but the large values it does not need.
_UNLOCKED_COLUMNS = ("content", "problems", "derived_files")


def _locked(model: Model, expected_version: int | None, content: bytes | None = None) -> Model:
    """The model row, locked (after its project's row), at the version the caller read.

    With the `content` about to be saved, the same read digests the stored content when it has
    the new one's length, and the stored derived files (`_stored_as` compares them, a diagram
    edit keeps them). On PostgreSQL it is one statement written out, which locks the project's
    row first (the ORM took longer to compile it than to run it).
    """
    # The project the caller resolved (through the permission check) is the locked one: only its
    # id is used, so it is not read again.
    project = model._state.fields_cache.get("project")
    if connection.vendor == "postgresql":
        current = _locked_row(model.project_id, model.pk, content, model_type(model.type))
        if current is None:
            _lock_project(model.project_id)  # 404 naming the project when it is the one deleted
    else:
        _lock_project(model.project_id)
        rows = Model.objects.select_for_update(of=("self",)).defer(*_UNLOCKED_COLUMNS)
        current = rows.filter(pk=model.pk).order_by().first()
    if current is None:
        raise NotFound(f"The {model.type.lower()} '{model.name}' was deleted (by someone else).")
    if project is not None:
        current.project = project
    if expected_version is not None:
        _refuse_stale(expected_version, current.version)
    return current


def _locked_row(project_id, model_id, content: bytes | None, mtype: ModelType) -> Model | None:
    """The model's row, locked after its project's row (shared), or None when either is gone.

    The project's lock is a one-time filter of the statement, taken before the model's row is
    read and locked: the order every writer follows. With the `content` about to be saved, the
    stored derived files come too (`_stored_as` compares them, a diagram edit keeps them), and
    a type that can read its stored extensions back from them (`stored_extensions`) does so
    instead of reading the JSON column (left deferred: read if still needed).
    """
    skipped = _UNLOCKED_COLUMNS
    if content is not None and mtype.stored_extensions is not None:
        skipped = (*_UNLOCKED_COLUMNS, "extensions")
    columns = [f.column for f in Model._meta.concrete_fields if f.name not in skipped]
    params: list = []
    if content is not None:
        # The stored content's digest only when its length is the new one's (else it differs).
        columns += [
            "CASE WHEN octet_length(content) = %s THEN md5(content) END AS stored_content_md5",
            "derived_files AS stored_derived_files",
        ]
        params.append(len(content))
    sql = (
        "WITH project AS (SELECT id FROM projects_project WHERE id = %s FOR SHARE) "  # noqa: S608
        f"SELECT {', '.join(columns)} FROM {Model._meta.db_table} "
        "WHERE id = %s AND EXISTS (SELECT 1 FROM project) FOR UPDATE"
    )
    row = next(iter(Model.objects.raw(sql, [project_id, *params, model_id])), None)
    if row is not None and "extensions" in skipped:
        extensions = mtype.stored_extensions(row.name, row.stored_derived_files)
        if extensions is not None:
            row.extensions = extensions
    return row


def _refuse_stale(expected_version: int, current_version: int | None) -> None:
    if current_version is not None and current_version != expected_version:
        raise VersionConflict(
            f"The model was changed by someone else (your version 0.0.{expected_version}, "
            f"current 0.0.{current_version}). Reload it to see the latest version."
        )


def _stored_as(current: Model, content: bytes, derived_files: bytes) -> tuple[bool, bool]:
    """Whether the stored content, and the stored derived files, equal these bytes: the content
    compared by MD5 in the database on PostgreSQL so that it is neither read back nor sent twice
    (equal digests of a user's own two versions only spare a version number), and not digested
    at all when its length differs. `_locked` given the content has read the digest and the
    stored derived files (which a diagram edit keeps) already."""
    model_id = current.pk
    if hasattr(current, "stored_content_md5"):
        same_content = current.stored_content_md5 is not None and current.stored_content_md5 == _md5(content)
        stored_derived = current.stored_derived_files
        same_derived = stored_derived is not None and bytes(stored_derived) == derived_files
        return same_content, same_derived
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN octet_length(content) = %s THEN md5(content) = %s ELSE false END, "
                "CASE WHEN octet_length(derived_files) = %s THEN md5(derived_files) = %s ELSE false END "
                "FROM projects_model WHERE id = %s",
                [len(content), _md5(content), len(derived_files), _md5(derived_files), model_id],
            )
            row = cursor.fetchone()
        return (bool(row[0]), bool(row[1])) if row else (False, False)
    stored = Model.objects.values_list("content", "derived_files").get(pk=model_id)
    return bytes(stored[0]) == content, stored[1] is not None and bytes(stored[1]) == derived_files


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _store_content(
    actor, current: Model, mtype: ModelType, checking, new_name: str, content: bytes, extensions: Any
) -> ContentCheck:
    """Inside the caller's transaction, on a locked row: the next version, unless nothing changed.

    `checking` gives the content's check (`_start_check`): its outline first, enough to complete
    the extensions, then the whole check, waited for only then (a large file's schema check runs
    meanwhile; its refusal, if any, rolls the transaction back before anything is written).
    A save whose content, extensions and name equal the stored ones makes no new version; only
    its problems (which can change with the project's other models) are brought up to date.
    """
    if new_name != current.name and (
        Model.objects.filter(project_id=current.project_id, type=current.type, name=new_name).exists()
    ):
        raise _model_conflict(current.project, mtype, new_name)
    stored_extensions = current.extensions
    current.extensions, more = _complete(mtype, current.project, checking.early(), extensions, current)
    derived_files = mtype.packed_derived_files(str(current.pk), new_name, content, current.extensions)
    same_content, same_derived = _stored_as(current, content, derived_files)
    # `==` alone takes 1 for true; a process's derived file holds the whole extensions as JSON,
    # so equal derived files also mean the same JSON.
    same_extensions = current.extensions == stored_extensions and same_derived
    check = _with(replace(checking.result(), name=new_name), more)
    current.problems = [problem.as_json() for problem in check.problems]
    if new_name == current.name and same_extensions and same_content:
        current.save(update_fields=["problems"])
        # The bytes stored as they are: kept on the row for the workspace sync (no read back).
        current.content, current.derived_files = content, derived_files
    else:
        current.name = new_name
        current.version += 1
        current.last_modified_by = actor.username
        current.derived_files = derived_files
        # Extensions and derived files already stored as they are stay in place (a diagram edit:
        # a 1,000-task process's extensions cost 8 ms to store).
        content_store.save_content(
            current,
            content,
            created_by=actor.username,
            extensions=not same_extensions,
            derived_files=not same_derived,
        )
    if mtype.after_save:
        mtype.after_save(current, check)
    return check


def model_save_content(
    *,
    actor,
    model: Model,
    content: bytes,
    expected_version: int | None = None,
    extensions: Any = ...,
) -> tuple[Model, ContentCheck]:
    """Store new content as the next version (0.0.N+1); `If-Match` gives `expected_version`."""
    mtype = model_type(model.type)
    if expected_version is not None:
        # A stale If-Match is refused before the content is parsed and checked (most refused
        # saves under contention are these); the row lock below checks it again.
        _refuse_stale(
            expected_version, Model.objects.values_list("version", flat=True).filter(pk=model.pk).first()
        )
    # The row is locked and read while a large file is being checked (`_store_content`).
    checking = _start_check(mtype, content)
    new_name = model.name
    try:
        with transaction.atomic():
            current = _locked(model, expected_version, content)
            new_name = _check_model_name(checking.early().name or model.name, mtype)
            previous = current.name
            check = _store_content(actor, current, mtype, checking, new_name, content, extensions)
    except IntegrityError:
        raise _model_conflict(model.project, mtype, new_name) from None
    workspace_sync.sync_models(
        current.project_id, [(mtype.name, previous), (mtype.name, current.name)], saved=current
    )
    return current, check


def model_update(
    *,
    actor,
    model: Model,
    name: object = None,
    description: object = None,
    expected_version: int | None = None,
    extensions: Any = ...,
) -> Model:
    """Rename / describe a model, or replace its extensions, in one transaction: all or nothing.

    A rename rewrites the name inside the content for types that hold it; new extensions are
    saved with the current content. Each content change is one new version.
    """
    mtype = model_type(model.type)
    renamed = name is not None and name != model.name
    if renamed:
        name = _check_model_name(name, mtype)
    if description is not None:
        description = _check_description(description)
    try:
        with transaction.atomic():
            current = _locked(model, expected_version)
            previous = current.name
            if renamed and (
                Model.objects.filter(project_id=current.project_id, type=current.type, name=name).exists()
            ):
                raise _model_conflict(current.project, mtype, str(name))
            if extensions is not ... or (renamed and mtype.rename_content is not None):
                content = bytes(Model.objects.values_list("content", flat=True).get(pk=current.pk))
                if renamed and mtype.rename_content is not None:
                    content = mtype.rename_content(content, str(name))
                check = model_check(model_type_name=mtype.name, content=content)
                new_name = str(name) if renamed else current.name
                _store_content(actor, current, mtype, _CheckedAlready(check), new_name, content, extensions)
            elif renamed:
                current.name = str(name)
                # The derived files carry the model's name: made again (a type without any needs no content).
                content = (
                    bytes(Model.objects.values_list("content", flat=True).get(pk=current.pk))
                    if mtype.derived_names(current.name)
                    else b""
                )
                current.derived_files = mtype.packed_derived_files(
                    str(current.pk), current.name, content, current.extensions
                )
                current.save(update_fields=["name", "last_modified_date", "derived_files"])
            if description is not None:
                current.description = description
                current.last_modified_by = actor.username
                current.save(update_fields=["description", "last_modified_by", "last_modified_date"])
    except IntegrityError:
        raise _model_conflict(model.project, mtype, str(name)) from None
    workspace_sync.sync_models(current.project_id, [(mtype.name, previous), (mtype.name, current.name)])
    return current


def model_delete(*, actor, model: Model) -> None:
    with transaction.atomic():
        current = _locked(model, None)
        current.delete()
    workspace_sync.sync_models(current.project_id, [(current.type, current.name)])


def project_transfer(*, actor, project: Project, new_owner) -> Project:
    """Give a project to another modeler (the admin site's owner field).

    The owner's permissions move in one transaction: the old owner keeps none, the new owner
    gets all of them and stops being a collaborator. A new owner without the role, or who already
    owns a project of that name, is refused. The workspace folder moves like a rename's does.
    """
    if not new_owner.is_active or not has_role(new_owner, APS_MODELER):
        raise ValidationFailed(
            f"'{new_owner.username}' cannot own projects: only active users with the {APS_MODELER} role can",
            [Problem("Missing role", f"Owners must hold the {APS_MODELER} role", error_code="role_required")],
        )
    try:
        with transaction.atomic():
            current = Project.objects.select_for_update().filter(pk=project.pk).first()
            if current is None:
                raise NotFound(f"Project not found: {project.pk}")
            old_owner_id = current.owner_id
            if old_owner_id == new_owner.pk:
                return current
            if _name_taken(new_owner, current.name, exclude_id=current.pk):
                raise _conflict(current.name)
            old_owner = get_user_model().objects.get(pk=old_owner_id)
            for permission in OWNER_PERMISSIONS:
                remove_perm(permission.value, old_owner, current)
            Collaborator.objects.filter(project=current, user=new_owner).delete()
            for permission in OWNER_PERMISSIONS:
                assign_perm(permission.value, new_owner, current)
            current.owner = new_owner
            current.last_modified_by = actor.username
            current.save(update_fields=["owner", "last_modified_by", "last_modified_date"])
    except IntegrityError:
        raise _conflict(project.name) from None
    workspace_sync.rebuild(current.pk, left=[workspace.project_dir(old_owner_id, current.name)])
    project.owner, project.last_modified_by = new_owner, current.last_modified_by
    return current
