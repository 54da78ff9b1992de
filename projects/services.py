"""Every write on projects and collaborators: keyword-only, one transaction, an `actor`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from guardian.shortcuts import assign_perm, remove_perm

from modeler.problems import Conflict, NotFound, Problem, ValidationFailed
from modeler.roles import APS_MODELER, has_role
from projects.models import Collaborator, Project
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
    try:
        with transaction.atomic():
            project.save(update_fields=[*changed, "last_modified_by", "last_modified_date"])
    except IntegrityError:
        raise _conflict(project.name) from None
    return project


def project_delete(*, actor, project: Project) -> None:
    with transaction.atomic():
        project.delete()


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
