"""The roles of SPEC §2 (Django groups) and the one role check used by pages and API.

APS_MODELER may model; APS_DEVOPS may make deployment descriptors. The groups are created by
the migration modeler/migrations/0001_roles.py; the admin site assigns them.
"""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
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


def role_annotations(user_field: str) -> dict[str, Exists]:
    """Annotations that read, in the query that reads a user, which roles the user holds
    (`user_field`: the path to the user's id); `remember_roles` takes them from the row."""
    return {
        f"holds_{role}": Exists(Group.objects.filter(user=OuterRef(user_field), name=role)) for role in ROLES
    }


def remember_roles(user, row) -> None:
    """The roles a row annotated with `role_annotations` read, kept for `user_roles`."""
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
