"""`manage.py connector_scaffold <project> <connector> [--out DIR]`: a connector project on disk.

The same project as `GET /models/{id}/scaffold`, written into DIR (default
`./<connector>-connector`). Run again after changing the definition: the definition is
rewritten, handlers and tests already there are kept, and the command says which actions are
new (their files written) and which are gone (their files to delete).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from modeler_connector.definition import DefinitionError
from modeler_connector.scaffold import write_project

from projects.management.commands._project_cli import REFUSED, find_project
from projects.models import Model


class Command(BaseCommand):
    help = "Generate a runnable connector project (SDK, handlers, tests, Dockerfile) from a connector."

    def add_arguments(self, parser):
        parser.add_argument("project", help="project id or name")
        parser.add_argument("connector", help="connector name in the project")
        parser.add_argument("--owner", help="owner's username, when two owners use the project name")
        parser.add_argument("--out", help="folder to write (default ./<connector>-connector)")

    def handle(self, *args, **options):
        project = find_project(options["project"], options.get("owner"))
        model = Model.objects.filter(project=project, type="CONNECTOR", name=options["connector"]).first()
        if model is None:
            raise CommandError(
                f"No connector named '{options['connector']}' in project '{project.name}'", returncode=REFUSED
            )
        out = Path(options["out"]) if options.get("out") else None
        try:
            report = write_project(bytes(model.content), out)
        except (DefinitionError, ValueError) as error:
            raise CommandError(f"The connector definition cannot be turned into a project: {error}") from None
        self.stdout.write(report.summary())
