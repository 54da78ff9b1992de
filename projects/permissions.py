"""The one permission policy of Modeler: who may do what to a project.

Everything that touches a project resolves it here. A project the user cannot see answers 404
(never 403, no existence leak); a visible project the user may not act on answers 403. Owners
hold view/change/delete/manage_collaborators, collaborators view/change, as guardian object
permissions; global permissions and superuser status never widen what a modeler sees.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from modeler.roles import APS_MODELER, has_role, role_missing_message
from projects.models import Model, Project, ProjectGroupObjectPermission, ProjectUserObjectPermission


class ProjectAction(StrEnum):
    VIEW = "view_project"
    CHANGE = "change_project"
    DELETE = "delete_project"
    MANAGE_COLLABORATORS = "manage_collaborators"


OWNER_PERMISSIONS = tuple(ProjectAction)
COLLABORATOR_PERMISSIONS = (ProjectAction.VIEW, ProjectAction.CHANGE)

_DENIED = {
    ProjectAction.CHANGE: "You cannot change this project.",
    ProjectAction.DELETE: "Only the owner of the project can delete it.",
    ProjectAction.MANAGE_COLLABORATORS: "Only the owner of the project can manage its collaborators.",
}


def project_permissions(user, project: Project) -> frozenset[str]:
    """The codenames the user holds on this project, directly or through a group."""
    direct = ProjectUserObjectPermission.objects.filter(user=user, content_object=project)
    via_groups = ProjectGroupObjectPermission.objects.filter(group__user=user, content_object=project)
    codenames = direct.values_list("permission__codename", flat=True).union(
        via_groups.values_list("permission__codename", flat=True)
    )
    return frozenset(codenames)


def projects_visible_to(user):
    """Every project the user may see (never widened by global or superuser permissions).

    The same set as guardian's `get_objects_for_user(user, "projects.view_project",
    accept_global_perms=False, with_superuser=False)` (a test holds them equal), written as one
    query over the direct object-permission tables because the project list is the hottest read.
    """
    if not has_role(user, APS_MODELER):
        return Project.objects.none()
    view = ProjectAction.VIEW.value
    direct = ProjectUserObjectPermission.objects.filter(user=user, permission__codename=view)
    via_groups = ProjectGroupObjectPermission.objects.filter(group__user=user, permission__codename=view)
    return Project.objects.filter(
        Q(pk__in=direct.values("content_object_id")) | Q(pk__in=via_groups.values("content_object_id"))
    )


def _fetch(user, queryset, raw_id, label: str):
    """Role check, then the row by UUID or 404 (a malformed id is just an unknown one)."""
    if not has_role(user, APS_MODELER):
        raise PermissionDenied(role_missing_message(APS_MODELER))
    try:
        key = uuid.UUID(str(raw_id))
    except ValueError:
        raise Http404(f"{label} not found: {str(raw_id)[:60]}") from None
    row = queryset.filter(pk=key).first()
    if row is None:
        raise Http404(f"{label} not found: {key}")
    return row


def _authorize(user, project: Project, action: ProjectAction, label: str, key) -> None:
    held = project_permissions(user, project)
    if ProjectAction.VIEW.value not in held:
        raise Http404(f"{label} not found: {key}")
    if action.value not in held:
        raise PermissionDenied(_DENIED.get(action, "You cannot do this on this project."))
    project.held_permissions = held


def project_for(user, project_id, action: ProjectAction = ProjectAction.VIEW) -> Project:
    """Fetch and authorize in one call: 403 without the role, 404 when invisible, 403 when not allowed."""
    project = _fetch(user, Project.objects.select_related("owner"), project_id, "Project")
    _authorize(user, project, action, "Project", project.pk)
    return project


def model_for(user, model_id, action: ProjectAction = ProjectAction.VIEW) -> Model:
    """A model through its project's permissions: 404 when the project is invisible."""
    # The extensions and problems (large for big processes) are read only by the views that show them.
    models = Model.objects.select_related("project__owner").defer("extensions", "problems")
    model = _fetch(user, models, model_id, "Model")
    _authorize(user, model.project, action, "Model", model.pk)
    return model


class ProjectPermissionMixin:
    """HTML views: `self.get_project(action)` through the policy (role checked by RoleRequiredMixin)."""

    project_url_kwarg = "project_id"

    def get_project(self, action: ProjectAction = ProjectAction.VIEW) -> Project:
        return project_for(self.request.user, self.kwargs[self.project_url_kwarg], action)
