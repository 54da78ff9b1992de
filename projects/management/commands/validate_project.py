"""`manage.py validate_project <project>`: every problem of every model, as GET /projects/{id}/validate."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from projects import releases
from projects.management.commands._project_cli import (
    REFUSED,
    ProgressBar,
    find_project,
    problem_line,
)


class Command(BaseCommand):
    help = (
        "Validate a project as a release would. "
        "Exit status: 0 no errors (warnings are printed; --strict makes them fail), "
        "1 errors found or project not found, 2 usage error."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="project id, or name (with --owner if several owners use it)")
        parser.add_argument(
            "--owner", help="username of the project's owner, to pick among same-named projects"
        )
        parser.add_argument("--strict", action="store_true", help="warnings fail too (exit status 1)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, project, owner=None, strict=False, no_progress=False, **options):
        found = find_project(project, owner)
        problems = releases.project_problems(found, progress=ProgressBar(enabled=not no_progress))
        for problem in problems:
            self.stdout.write(problem_line(problem))
        if releases.has_errors(problems):
            raise CommandError(releases.PROJECT_VALIDATION_FAILED, returncode=REFUSED)
        if problems:
            message = f"{releases.PROJECT_VALIDATION_WARNINGS}: {len(problems)} warnings found"
            if strict:
                raise CommandError(message, returncode=REFUSED)
            self.stdout.write(message)
            return
        self.stdout.write(f"Project '{found.name}' is valid")
