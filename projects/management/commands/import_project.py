"""`manage.py import_project <zip> --user U [--name N]`: as POST /projects/import, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from modeler.problems import ModelingError
from projects import archive
from projects.management.commands._project_cli import ProgressBar, find_user, refused, usage_error


class Command(BaseCommand):
    help = (
        "Import a project zip (ours or an APA export) as a new project owned by --user. "
        "Nothing is stored unless every file is accepted. "
        "Exit status: 0 imported, 1 refused (the problems are printed), 2 usage error."
    )

    def add_arguments(self, parser):
        parser.add_argument("zip", help="the project zip to import")
        parser.add_argument("--user", help="username of the modeler who will own the project (required)")
        parser.add_argument("--name", help="name of the new project (default: the name in the zip)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, zip, user=None, name=None, no_progress=False, **options):
        actor = find_user(user)
        path = Path(zip)
        if not path.is_file():
            raise usage_error(f"No such file: {path}")
        limit = archive.max_archive_bytes()
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        try:
            if len(data) > limit:
                raise archive.refused(
                    f"the archive is larger than the limit of {limit} bytes", "archive_too_large", status=413
                )
            project = archive.project_import(
                actor=actor, data=data, name=name, progress=ProgressBar(enabled=not no_progress)
            )
        except ModelingError as error:
            raise refused(self, error) from None
        count = project.models.count()
        self.stdout.write(f"Imported project '{project.name}' ({project.pk}) with {count} models")
