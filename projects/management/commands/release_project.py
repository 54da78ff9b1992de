"""`manage.py release_project <project> --user U [--comment C]`: as POST /projects/{id}/releases."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from modeler.problems import ModelingError
from projects import releases
from projects.management.commands._project_cli import (
    REFUSED,
    ProgressBar,
    find_project,
    find_user,
    refused,
)
from projects.permissions import ProjectAction, project_for


class Command(BaseCommand):
    help = (
        "Validate the project and store its next numbered release (warnings do not block). "
        "Exit status: 0 released, 1 refused (every problem is printed), 2 usage error."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="project id, or name (with --owner if several owners use it)")
        parser.add_argument(
            "--user", help="username of the modeler who releases (owner or collaborator; required)"
        )
        parser.add_argument(
            "--owner", help="username of the project's owner, to pick among same-named projects"
        )
        parser.add_argument("--comment", default="", help="what this release is")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, project, user=None, owner=None, comment="", no_progress=False, **options):
        actor = find_user(user)
        found = find_project(project, owner)
        try:
            project_for(actor, found.pk, ProjectAction.CHANGE)
        except (Http404, PermissionDenied) as exc:
            raise CommandError(str(exc), returncode=REFUSED) from None
        try:
            release = releases.release_create(
                actor=actor, project=found, comment=comment, progress=ProgressBar(enabled=not no_progress)
            )
        except ModelingError as error:
            raise refused(self, error) from None
        self.stdout.write(f"Released '{found.name}' as release {release.version} ({release.pk})")
