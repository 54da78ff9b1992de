"""Reads with rules: every list here is already filtered to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from projects.models import Collaborator, Project
from projects.permissions import projects_visible_to


def project_list(user, *, name_contains: str = "") -> QuerySet[Project]:
    projects = projects_visible_to(user)
    if name_contains:
        projects = projects.filter(name__icontains=name_contains.strip().lower())
    return projects


def collaborators_of(project: Project) -> QuerySet[Collaborator]:
    return project.collaborators.select_related("user").order_by("user__username")
