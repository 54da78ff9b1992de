"""Shared by the archive management commands: finding a project or a user, the exit statuses,
problems printed as the API lists them, and a progress bar on stderr for more than a few models.

Exit statuses: 0 done, 1 refused (the API's message and problems are printed), 2 usage error.
"""

from __future__ import annotations

import sys
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from modeler.problems import ModelingError, Problem
from modeler.roles import APS_MODELER, has_role, role_missing_message
from projects.models import Project

REFUSED = 1
USAGE = 2
FEW_MODELS = 5


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE)


def find_user(username: str | None):
    if not username:
        raise usage_error("--user is required: the modeler the command acts as")
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise usage_error(f"No active user named '{username}'")
    if not has_role(user, APS_MODELER):
        raise CommandError(role_missing_message(APS_MODELER), returncode=REFUSED)
    return user


def find_project(reference: str, owner: str | None = None) -> Project:
    """A project by id, or by name (with --owner when two owners use the name)."""
    projects = Project.objects.select_related("owner")
    try:
        return projects.get(pk=uuid.UUID(reference))
    except (ValueError, Project.DoesNotExist):
        pass
    matches = projects.filter(name=reference)
    if owner:
        matches = matches.filter(owner__username=owner)
    found = list(matches[:2])
    if not found:
        raise CommandError(f"Project not found: {reference}", returncode=REFUSED)
    if len(found) > 1:
        raise usage_error(f"Several owners have a project named '{reference}': add --owner <username>")
    return found[0]


def problem_line(problem: Problem) -> str:
    kind = "warning" if problem.warning else "error"
    where = f" [{problem.reference_id}]" if problem.reference_id else ""
    return f"  {kind}{where}: {problem.description or problem.problem}"


def refused(command, error: ModelingError) -> CommandError:
    """Print the API's message and every problem, then exit 1."""
    for problem in error.problems:
        command.stderr.write(problem_line(problem))
    return CommandError(error.message, returncode=REFUSED)


class ProgressBar:
    """`progress(phase, done, total, what)` drawn on stderr when there are more than a few models."""

    def __init__(self, stream=None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled

    def __call__(self, phase: str, done: int, total: int, what: str) -> None:
        if not self.enabled or total <= FEW_MODELS:
            return
        width = 30
        filled = width * done // total
        end = "\n" if done == total else "\r"
        self.stream.write(
            f"{phase:>8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what[:40]:<40}{end}"
        )
        self.stream.flush()
