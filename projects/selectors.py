"""Reads with rules: every list here is already filtered to what the user may see."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery

from modeler.roles import APS_MODELER
from projects.models import Collaborator, Project
from projects.permissions import projects_visible_to


def project_list(user, *, name_contains: str = "") -> QuerySet[Project]:
    """The visible projects; those shared with the user carry `shared_by` and `shared_on`
    (who added them as a collaborator, and when), so that nobody's work appears unannounced."""
    projects = projects_visible_to(user)
    if name_contains:
        projects = projects.filter(name__icontains=name_contains.strip().lower())
    invitation = Collaborator.objects.filter(project=OuterRef("pk"), user=user)
    return projects.annotate(
        shared_by=Subquery(invitation.values("created_by")[:1]),
        shared_on=Subquery(invitation.values("creation_date")[:1]),
    )


def known_modelers(user):
    """Modelers the user already works with (on a project either of them owns or shares), for
    picking collaborators without an open directory of every account."""
    mine = projects_visible_to(user).values("pk")
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=APS_MODELER)
        .filter(Q(owned_projects__in=mine) | Q(collaborations__project__in=mine))
        .exclude(pk=user.pk)
        .distinct()
        .order_by("username")
    )


def collaborators_of(project: Project) -> QuerySet[Collaborator]:
    return project.collaborators.select_related("user").order_by("user__username")
