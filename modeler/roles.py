"""The roles of SPEC §2 (Django groups) and the one role check used by pages and API.

APS_MODELER may model; APS_DEVOPS may make deployment descriptors. The groups are created by
the migration modeler/migrations/0001_roles.py; the admin site assigns them.
"""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

APS_MODELER = "APS_MODELER"
APS_DEVOPS = "APS_DEVOPS"
ROLES = (APS_MODELER, APS_DEVOPS)


def role_missing_message(role: str) -> str:
    return f"You need the {role} role to use this part of Modeler. Ask an administrator to grant it."


def user_roles(user) -> frozenset[str]:
    """The roles a signed-in user holds, read once per request object."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_modeler_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._modeler_roles = cached
    return cached


def role_columns(user_id_column: str) -> tuple[str, list[str]]:
    """SQL columns `holds_<role>` saying which roles the user whose id is `user_id_column`
    holds, and their parameters: read in the query that reads the user (`remember_roles`)."""
    columns = [
        "EXISTS (SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id "  # noqa: S608
        f'WHERE ug.user_id = {user_id_column} AND g.name = %s) AS "holds_{role}"'
        for role in ROLES
    ]
    return ", ".join(columns), list(ROLES)


def remember_roles(user, row) -> None:
    """The roles a row read with `role_columns` says the user holds, kept for `user_roles`."""
    user._modeler_roles = frozenset(role for role in ROLES if getattr(row, f"holds_{role}"))


def has_role(user, role: str) -> bool:
    return role in user_roles(user)


class IsModeler(BasePermission):
    """DRF: anonymous → 401 (the authenticator's challenge), signed in without the role → 403."""

    message = role_missing_message(APS_MODELER)
    role = APS_MODELER

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, self.role)


class IsDevops(IsModeler):
    message = role_missing_message(APS_DEVOPS)
    role = APS_DEVOPS


class RoleRequiredMixin(AccessMixin):
    """HTML views: anonymous → login page; signed in without the role → 403 naming it."""

    required_role = APS_MODELER

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, self.required_role):
            raise PermissionDenied(role_missing_message(self.required_role))
        return super().dispatch(request, *args, **kwargs)
