"""Reads with rules for APS_DEVOPS: the releases a devops user may deploy, their descriptors, and
what a release holds (its files, its connectors), read through projects.archive only.

Who may deploy what: a devops user deploys the releases of the projects on which they hold the
`projects.deploy_project` permission. The migration gives that permission to the APS_DEVOPS
group for every project (SPEC §8.2: a devops user reads every release); an administrator who
wants to scope a team removes it from the group and grants it per project (guardian object
permission, to a user or a group) in the admin site. A release outside that set answers 404,
as an invisible project does in the modeling service. Superuser status widens nothing here.
Descriptors belong to the devops user who made them: another user's descriptor is a 404.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from deployments import rules
from deployments.models import Descriptor
from modeler import strict_json
from modeler.roles import APS_DEVOPS, has_role, role_missing_message
from projects import archive
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission, Release

DEPLOY_CODENAME = "deploy_project"
CONNECTOR = "CONNECTOR"


def require_devops(user) -> None:
    if not has_role(user, APS_DEVOPS):
        raise PermissionDenied(role_missing_message(APS_DEVOPS))


def _deploy_permission() -> QuerySet[Permission]:
    return Permission.objects.filter(
        content_type__app_label="projects", content_type__model="project", codename=DEPLOY_CODENAME
    )


def deployable_projects(user) -> QuerySet[Project]:
    """The projects whose releases the user may deploy (none without APS_DEVOPS)."""
    if not has_role(user, APS_DEVOPS):
        return Project.objects.none()
    if _deploy_permission().filter(Q(user=user) | Q(group__user=user)).exists():
        return Project.objects.all()
    direct = ProjectUserObjectPermission.objects.filter(user=user, permission__in=_deploy_permission())
    via_groups = ProjectGroupObjectPermission.objects.filter(
        group__user=user, permission__in=_deploy_permission()
    )
    return Project.objects.filter(
        Q(pk__in=direct.values("content_object_id")) | Q(pk__in=via_groups.values("content_object_id"))
    )


def deployable_releases(user) -> QuerySet[Release]:
    return (
        Release.objects.filter(project__in=deployable_projects(user))
        .select_related("project")
        .defer("content")
        .order_by("project__name", "-version")
    )


def _key(raw_id, label: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw_id))
    except ValueError:  # a malformed id is just an unknown one
        raise Http404(f"{label} not found: {str(raw_id)[:60]}") from None


def release_to_deploy(user, release_id) -> Release:
    """A release the user may deploy, or 404 (unknown, deleted, or of a project outside their set)."""
    require_devops(user)
    key = _key(release_id, "Release")
    release = deployable_releases(user).filter(pk=key).first()
    if release is None:
        raise Http404(f"Release not found: {key}")
    return release


def descriptors_of(user) -> QuerySet[Descriptor]:
    if not has_role(user, APS_DEVOPS):
        return Descriptor.objects.none()
    return Descriptor.objects.filter(owner=user).select_related("release__project")


def descriptor_for(user, descriptor_id) -> Descriptor:
    """The user's own descriptor: 403 without the role, 404 for anybody else's or an unknown one."""
    require_devops(user)
    key = _key(descriptor_id, "Deployment descriptor")
    descriptor = descriptors_of(user).filter(pk=key).first()
    if descriptor is None:
        raise Http404(f"Deployment descriptor not found: {key}")
    return descriptor


def release_of(user, descriptor: Descriptor) -> Release:
    """The descriptor's release, if the user may still deploy it (404 otherwise: an administrator
    may have narrowed their set since); reading the release's files goes through this."""
    return release_to_deploy(user, descriptor.release_id)


# --- what a release holds --------------------------------------------------------------------------


def release_files(release: Release) -> dict[str, bytes]:
    """The files of a release (its zip, read by the one zip reader), path → bytes."""
    content = Release.objects.values_list("content", flat=True).get(pk=release.pk)
    return archive.read_zip(bytes(content), archive.accept_project_path)


def connectors_in(files: dict[str, bytes]) -> dict[str, rules.ReleaseConnector]:
    """The connectors of a release's files, by name (the `name` their JSON declares)."""
    found: dict[str, rules.ReleaseConnector] = {}
    for model in archive.project_archive(files).models:
        if model.type_name != CONNECTOR:
            continue
        try:
            definition = strict_json.loads(model.content)
        except strict_json.JSONInputError:
            definition = {}
        name = definition.get("name") if isinstance(definition, dict) else None
        name = name if isinstance(name, str) and name else model.name
        found[name] = rules.release_connector(name, definition)
    return dict(sorted(found.items()))


def release_connectors(release: Release) -> dict[str, rules.ReleaseConnector]:
    return connectors_in(release_files(release))
