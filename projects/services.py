"""Every write on projects and collaborators: keyword-only, one transaction, an `actor`."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from guardian.shortcuts import assign_perm, remove_perm

from modeler.problems import Conflict, NotFound, Problem, ValidationFailed, VersionConflict
from modeler.roles import APS_MODELER, has_role
from modeler.timestamps import iso_utc
from projects import workspace
from projects.model_types import ContentCheck, ModelType, model_type
from projects.models import Collaborator, Model, ModelVersion, Project
from projects.names import dns_name_problems
from projects.permissions import COLLABORATOR_PERMISSIONS, OWNER_PERMISSIONS

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
            project = Project.objects.create(
                name=name,
                description=description,
                owner=actor,
                created_by=actor.username,
                last_modified_by=actor.username,
            )
            for permission in OWNER_PERMISSIONS:
                assign_perm(permission.value, actor, project)
    except IntegrityError:
        raise _conflict(name) from None
    _write_manifest(project)
    return project


def project_update(*, actor, project: Project, name: object = None, description: object = None) -> Project:
    changed = []
    if name is not None:
        new_name = _check_name(name)
        if new_name != project.name and _name_taken(project.owner, new_name, exclude_id=project.pk):
            raise _conflict(new_name)
        project.name = new_name
        changed.append("name")
    if description is not None:
        project.description = _check_description(description)
        changed.append("description")
    project.last_modified_by = actor.username
    old_dir = workspace.project_dir(
        project.owner.username, Project.objects.values_list("name", flat=True).get(pk=project.pk)
    )
    old_manifest = f"{old_dir.name}.json"
    try:
        with transaction.atomic():
            project.save(update_fields=[*changed, "last_modified_by", "last_modified_date"])
    except IntegrityError:
        raise _conflict(project.name) from None
    new_dir = workspace.project_dir(project.owner.username, project.name)
    if new_dir != old_dir:
        workspace.move_tree(old_dir, new_dir)
        workspace.write_files(new_dir, {}, remove=(old_manifest,))
    _write_manifest(project)
    return project


def project_delete(*, actor, project: Project) -> None:
    folder = workspace.project_dir(project.owner.username, project.name)
    with transaction.atomic():
        project.delete()
    workspace.remove_tree(folder)


def collaborator_add(*, actor, project: Project, username: str) -> Collaborator:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(f"User not found: {username[:150]}")
    if user.pk == project.owner_id:
        raise ValidationFailed(f"'{username}' owns the project and cannot be added as a collaborator")
    if not has_role(user, APS_MODELER):
        raise ValidationFailed(
            f"'{username}' does not have the {APS_MODELER} role; only modelers can collaborate on a project",
            [
                Problem(
                    "Missing role",
                    f"Collaborators must hold the {APS_MODELER} role",
                    error_code="role_required",
                )
            ],
        )
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


def _write_manifest(project: Project) -> None:
    folder = workspace.project_dir(project.owner.username, project.name)
    workspace.write_files(folder, {f"{project.name}.json": project_manifest(project)})


def model_files(model: Model) -> dict[str, bytes]:
    """Every file of one model in the zip/workspace layout: its content and derived files."""
    mtype = model_type(model.type)
    files = {mtype.file_name(model.name): bytes(model.content)}
    for name, data in mtype.derived_files(
        str(model.pk), model.name, bytes(model.content), model.extensions
    ).items():
        files[f"{mtype.folder}/{name}"] = data
    return files


def _sync_model_files(model: Model, previous_files: tuple[str, ...] = ()) -> None:
    folder = workspace.project_dir(model.project.owner.username, model.project.name)
    workspace.write_files(folder, model_files(model), remove=previous_files)


def workspace_rebuild(project: Project) -> None:
    """Rewrite a project's workspace folder from the database (the source of truth)."""
    folder = workspace.project_dir(project.owner.username, project.name)
    workspace.remove_tree(folder)
    files = {f"{project.name}.json": project_manifest(project)}
    for model in project.models.all():
        files.update(model_files(model))
    if not workspace.write_files(folder, files):
        raise OSError(f"could not write the workspace of {project.name} under {folder}")


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


def _complete(
    mtype: ModelType, project: Project, check: ContentCheck, extensions: Any, stored: Model | None
) -> tuple[Any, ContentCheck]:
    """The extensions to store and every problem of the save (the type's project-wide checks added)."""
    if mtype.complete_save is None:
        kept = stored.extensions if stored is not None else None
        return (kept if extensions is ... else extensions), check
    extensions, more = mtype.complete_save(project, check, extensions, stored)
    return extensions, replace(check, problems=[*check.problems, *more])


def model_validate(*, model: Model, content: bytes, extensions: Any = ...) -> ContentCheck:
    """Every problem candidate content (and extensions) would have if saved now, without saving."""
    mtype = model_type(model.type)
    check = model_check(model_type_name=mtype.name, content=content)
    return _complete(mtype, model.project, check, extensions, model)[1]


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
            extensions, check = _complete(
                mtype, project, check, extensions if extensions is not None else ..., None
            )
            model = Model.objects.create(
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
            ModelVersion.objects.create(
                model=model, version=1, content=content, extensions=extensions, created_by=actor.username
            )
            if mtype.after_save:
                mtype.after_save(model, check)
    except IntegrityError:
        raise _model_conflict(project, mtype, name) from None
    _sync_model_files(model)
    return model, check


def _locked(model: Model, expected_version: int | None) -> Model:
    current = (
        Model.objects.select_for_update(of=("self",))
        .select_related("project__owner")
        .defer("content", "problems")
        .get(pk=model.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise VersionConflict(
            f"The model was changed by someone else (your version 0.0.{expected_version}, "
            f"current 0.0.{current.version}). Reload it to see the latest version."
        )
    return current


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
    check = model_check(model_type_name=mtype.name, content=content)
    new_name = _check_model_name(check.name or model.name, mtype)
    try:
        with transaction.atomic():
            current = _locked(model, expected_version)
            previous = mtype.file_names(current.name)
            if (
                new_name != current.name
                and Model.objects.filter(
                    project_id=current.project_id, type=current.type, name=new_name
                ).exists()
            ):
                raise _model_conflict(current.project, mtype, new_name)
            current.extensions, check = _complete(mtype, current.project, check, extensions, current)
            current.name = new_name
            current.content = content
            current.problems = [problem.as_json() for problem in check.problems]
            current.version += 1
            current.last_modified_by = actor.username
            current.save()
            ModelVersion.objects.create(
                model=current,
                version=current.version,
                content=content,
                extensions=current.extensions,
                created_by=actor.username,
            )
            if mtype.after_save:
                mtype.after_save(current, check)
    except IntegrityError:
        raise _model_conflict(model.project, mtype, new_name) from None
    _sync_model_files(current, previous)
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
    """Rename / describe a model, or replace its extensions; a rename rewrites the name inside the
    content and new extensions are saved with the current content, each as a new version."""
    mtype = model_type(model.type)
    if extensions is not ...:
        model, _ = model_save_content(
            actor=actor,
            model=model,
            content=bytes(model.content),
            expected_version=expected_version,
            extensions=extensions,
        )
        expected_version = model.version
    if name is not None and name != model.name:
        name = _check_model_name(name, mtype)
        if mtype.rename_content is not None:
            model, _ = model_save_content(
                actor=actor,
                model=model,
                content=mtype.rename_content(bytes(model.content), name),
                expected_version=expected_version,
            )
            expected_version = model.version
        else:
            with transaction.atomic():
                current = _locked(model, expected_version)
                previous = mtype.file_names(current.name)
                if Model.objects.filter(project_id=current.project_id, type=current.type, name=name).exists():
                    raise _model_conflict(current.project, mtype, name)
                current.name = name
                current.save(update_fields=["name", "last_modified_date"])
            _sync_model_files(current, previous)
            model = current
    if description is not None:
        description = _check_description(description)
        with transaction.atomic():
            current = _locked(model, expected_version)
            current.description = description
            current.last_modified_by = actor.username
            current.save(update_fields=["description", "last_modified_by", "last_modified_date"])
        model = current
    return model


def model_delete(*, actor, model: Model) -> None:
    files = model_type(model.type).file_names(model.name)
    folder = workspace.project_dir(model.project.owner.username, model.project.name)
    with transaction.atomic():
        model.delete()
    workspace.write_files(folder, {}, remove=files)
