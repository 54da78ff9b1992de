"""The one permission policy of Modeler: who may do what to a project.

Everything that touches a project resolves it here. A project the user cannot see answers 404
(never 403, no existence leak); a visible project the user may not act on answers 403. Owners
hold view/change/delete/manage_collaborators, collaborators view/change, as guardian object
permissions; global permissions and superuser status never widen what a modeler sees.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
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


def grant_owner(user, project: Project) -> None:
    """Give the owner's permissions on a project created just now: one read of the permission rows
    and one insert (guardian's assign_perm reads and writes them one at a time: 12 queries)."""
    codenames = [action.value for action in OWNER_PERMISSIONS]
    permissions = list(
        Permission.objects.filter(
            content_type__app_label=Project._meta.app_label,
            content_type__model=Project._meta.model_name,
            codename__in=codenames,
        )
    )
    if len(permissions) != len(codenames):
        raise Permission.DoesNotExist(f"the project permissions {codenames} are not all installed")
    ProjectUserObjectPermission.objects.bulk_create(
        ProjectUserObjectPermission(user=user, permission=permission, content_object=project)
        for permission in permissions
    )


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


def _held_sql(project_column: str) -> str:
    """What `project_permissions` reads, as a subquery of the row's own query."""
    user_groups = get_user_model().groups.through._meta.db_table
    direct, via_groups = (
        ProjectUserObjectPermission._meta.db_table,
        ProjectGroupObjectPermission._meta.db_table,
    )
    permissions = Permission._meta.db_table
    return (
        f"ARRAY(SELECT p.codename FROM {direct} d JOIN {permissions} p ON p.id = d.permission_id "  # noqa: S608
        f"WHERE d.user_id = %s AND d.content_object_id = {project_column} "
        f"UNION SELECT p.codename FROM {via_groups} g JOIN {user_groups} m ON m.group_id = g.group_id "
        f"JOIN {permissions} p ON p.id = g.permission_id WHERE m.user_id = %s AND g.content_object_id = {project_column})"
    )


def _fetch(user, queryset, raw_id, label: str, project_column: str):
    """Role check, then the row by UUID or 404 (a malformed id is just an unknown one).

    On PostgreSQL the same query reads the codenames the user holds on the row's project
    (`project_column` names the project's id in the row's table), so the check needs no query of
    its own (written as SQL: the ORM took longer to compile two subqueries than to run a query).
    """
    if not has_role(user, APS_MODELER):
        raise PermissionDenied(role_missing_message(APS_MODELER))
    try:
        key = uuid.UUID(str(raw_id))
    except ValueError:
        raise Http404(f"{label} not found: {str(raw_id)[:60]}") from None
    if connection.vendor == "postgresql":
        queryset = queryset.annotate(held=RawSQL(_held_sql(project_column), [user.pk, user.pk]))  # noqa: S611
    row = queryset.filter(pk=key).first()
    if row is None:
        raise Http404(f"{label} not found: {key}")
    return row


def _held(user, row, project: Project) -> frozenset[str]:
    if hasattr(row, "held"):
        return frozenset(row.held)
    return project_permissions(user, project)


def _authorize(user, project: Project, action: ProjectAction, label: str, key, held: frozenset[str]) -> None:
    if ProjectAction.VIEW.value not in held:
        raise Http404(f"{label} not found: {key}")
    if action.value not in held:
        raise PermissionDenied(_DENIED.get(action, "You cannot do this on this project."))
    project.held_permissions = held


def project_for(user, project_id, action: ProjectAction = ProjectAction.VIEW) -> Project:
    """Fetch and authorize in one call: 403 without the role, 404 when invisible, 403 when not allowed."""
    project = _fetch(
        user, Project.objects.select_related("owner"), project_id, "Project", '"projects_project"."id"'
    )
    _authorize(user, project, action, "Project", project.pk, _held(user, project, project))
    return project


def model_for(user, model_id, action: ProjectAction = ProjectAction.VIEW, *, content: bool = True) -> Model:
    """A model through its project's permissions: 404 when the project is invisible.

    `content=False` leaves the content out of the read (a save replaces it, a delete drops it:
    a 1,000-task process is 450 KB the check does not need); it is read when first used.
    """
    # The extensions and problems (large for big processes) are read only by the views that show them.
    deferred = ("extensions", "problems", "derived_files", *(() if content else ("content",)))
    if connection.vendor == "postgresql":
        model = _fetch_model(user, model_id, deferred)
    else:
        models = Model.objects.select_related("project__owner").defer(*deferred)
        model = _fetch(user, models, model_id, "Model", '"projects_model"."project_id"')
    _authorize(user, model.project, action, "Model", model.pk, _held(user, model, model.project))
    return model


def _fetch_model(user, model_id, deferred: tuple[str, ...]) -> Model:
    """`_fetch` of a model with its project and owner, on PostgreSQL: the statement is written once
    per process (`_model_read`) and the rows made into instances as the ORM makes them (every
    API call on a model starts here; compiling the ORM's query took longer than running it)."""
    if not has_role(user, APS_MODELER):
        raise PermissionDenied(role_missing_message(APS_MODELER))
    try:
        key = uuid.UUID(str(model_id))
    except ValueError:
        raise Http404(f"Model not found: {str(model_id)[:60]}") from None
    sql, parts = _model_read(deferred)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk, key])
        row = cursor.fetchone()
    if row is None:
        raise Http404(f"Model not found: {key}")
    instances, at = [], 0
    for model_class, fields, converters in parts:
        values = list(row[at : at + len(fields)])
        at += len(fields)
        for index, field_converters in converters:
            for converter in field_converters:
                values[index] = converter(values[index], fields[index], connection)
        instances.append(model_class.from_db(connection.alias, [f.attname for f in fields], values))
    model, project, owner = instances
    project.owner = owner
    model.project = project
    model.held = row[at]
    return model


@cache
def _model_read(deferred: tuple[str, ...]) -> tuple[str, list[tuple]]:
    """The SQL of `_fetch_model` (the model's columns but `deferred`, its project's and owner's,
    the codenames held) and, per instance, its class, fields and the converters the ORM applies."""
    user_model = get_user_model()
    tables = ((Model, "model"), (Project, "project"), (user_model, "owner"))
    columns, parts = [], []
    for model_class, alias in tables:
        fields = [
            f for f in model_class._meta.concrete_fields if model_class is not Model or f.name not in deferred
        ]
        columns += [f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields]
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, found))
        parts.append((model_class, fields, converters))
    sql = (
        f"SELECT {', '.join(columns)}, {_held_sql('model.project_id')} "  # noqa: S608
        f"FROM {Model._meta.db_table} model JOIN {Project._meta.db_table} project ON project.id = model.project_id "
        f"JOIN {user_model._meta.db_table} owner ON owner.id = project.owner_id WHERE model.id = %s"
    )
    return sql, parts


class ProjectPermissionMixin:
    """HTML views: `self.get_project(action)` through the policy (role checked by RoleRequiredMixin)."""

    project_url_kwarg = "project_id"

    def get_project(self, action: ProjectAction = ProjectAction.VIEW) -> Project:
        return project_for(self.request.user, self.kwargs[self.project_url_kwarg], action)
