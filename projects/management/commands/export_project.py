"""`manage.py export_project <project> [-o FILE]`: the project zip, as GET /projects/{id}/export."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from projects import archive
from projects.management.commands._project_cli import ProgressBar, find_project, usage_error


class Command(BaseCommand):
    help = (
        "Write a project's zip in APA's layout (the bytes GET /projects/{id}/export answers). "
        "Exit status: 0 written, 1 project not found, 2 usage error."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="project id, or name (with --owner if several owners use it)")
        parser.add_argument(
            "--owner", help="username of the project's owner, to pick among same-named projects"
        )
        parser.add_argument("-o", "--output", help="file to write (default <project>.zip; '-' for stdout)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, project, owner=None, output=None, no_progress=False, **options):
        found = find_project(project, owner)
        data = archive.export_zip(found, progress=ProgressBar(enabled=not no_progress))
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        target = Path(output or f"{found.name}.zip")
        if target.is_dir():
            raise usage_error(f"{target} is a folder; name the zip file to write")
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise usage_error(f"Cannot write {target}: {exc.strerror}") from None
        self.stdout.write(f"Exported project '{found.name}' to {target} ({len(data)} bytes)")
