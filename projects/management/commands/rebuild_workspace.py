"""Rewrite projects' workspace folders from the database: `rebuild_workspace [project-name]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from projects import services
from projects.models import Project


class Command(BaseCommand):
    help = "Rewrite the workspace files of every project (or of the named projects) from the database."

    def add_arguments(self, parser):
        parser.add_argument("project_names", nargs="*", help="project names (all projects when none)")

    def handle(self, *args, project_names, **options):
        projects = Project.objects.select_related("owner").order_by("owner__username", "name")
        if project_names:
            projects = projects.filter(name__in=project_names)
            missing = set(project_names) - set(projects.values_list("name", flat=True))
            if missing:
                raise CommandError(f"No project named: {', '.join(sorted(missing))}")
        count = 0
        for project in projects:
            services.workspace_rebuild(project)
            count += 1
            self.stdout.write(
                f"rebuilt {project.owner_id}/{project.name} ({project.owner.username}, {project.models.count()} models)"
            )
        self.stdout.write(self.style.SUCCESS(f"{count} project workspace(s) rebuilt"))
