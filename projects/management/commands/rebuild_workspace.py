"""Bring the workspace back in step with the database: `rebuild_workspace [--check] [project-name …]`.

Without names, the whole workspace is compared with the database (missing, stale and orphan
files and folders) and repaired; `--check` only reports (exit status 1 when anything drifted).
With names, those projects' folders are rewritten from the database. It works on whichever storage
the workspace is (settings.STORAGES["workspace"]: the local folder, or an S3-compatible bucket,
where the comparison reads every file once).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from projects import workspace_sync
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Compare the workspace with the database and repair what drifted (missing, stale and orphan "
        "files and folders); --check only reports. With project names, rewrite those projects' folders."
    )

    def add_arguments(self, parser):
        parser.add_argument("project_names", nargs="*", help="project names (the whole workspace when none)")
        parser.add_argument(
            "--check", action="store_true", help="report drift, change nothing (exit 1 on drift)"
        )

    def handle(self, *args, project_names, check, **options):
        if project_names:
            return self._rebuild_named(project_names, check)
        found = workspace_sync.drift()
        for item in found:
            self.stdout.write(str(item))
        if check:
            if found:
                self.stdout.write(
                    self.style.ERROR(f"{len(found)} difference(s) between the workspace and the database")
                )
                sys.exit(1)
            self.stdout.write(self.style.SUCCESS("the workspace matches the database"))
            return
        workspace_sync.repair(found)
        left = workspace_sync.drift()
        if left:
            raise CommandError(f"{len(left)} difference(s) could not be repaired (see the log)")
        self.stdout.write(
            self.style.SUCCESS(f"{len(found)} difference(s) repaired; the workspace matches the database")
        )

    def _rebuild_named(self, project_names, check):
        if check:
            raise CommandError("--check compares the whole workspace: give no project names")
        projects = Project.objects.select_related("owner").order_by("owner__username", "name")
        projects = projects.filter(name__in=project_names)
        missing = set(project_names) - set(projects.values_list("name", flat=True))
        if missing:
            raise CommandError(f"No project named: {', '.join(sorted(missing))}")
        for project in projects:
            if not workspace_sync.rebuild(project.pk):
                raise CommandError(f"could not write the workspace of {project.name} (see the log)")
            self.stdout.write(
                f"rebuilt {project.owner_id}/{project.name} ({project.owner.username}, {project.models.count()} models)"
            )
        self.stdout.write(self.style.SUCCESS(f"{projects.count()} project workspace(s) rebuilt"))
