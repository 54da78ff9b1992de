"""Create (or reset) the demo modeler account, an admin account and a demo project, and print them."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from modeler.roles import APS_DEVOPS, APS_MODELER
from projects import services
from projects.models import Project

DEMO_USERNAME = "modeler"
DEMO_PASSWORD = "modeler-demo"  # noqa: S105 - printed on purpose: a local demo account
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-demo"  # noqa: S105
DEMO_CONNECTOR = {
    "id": "connector-6f1c2d3e-0000-4000-8000-000000000001",
    "name": "movies",
    "description": "Movie lookups",
    "actions": {
        "6f1c2d3e-0000-4000-8000-000000000002": {
            "id": "6f1c2d3e-0000-4000-8000-000000000002",
            "name": "getMovieDesc",
            "description": "Fetch a movie's description",
            "inputs": [
                {
                    "id": "6f1c2d3e-0000-4000-8000-000000000003",
                    "name": "movieName",
                    "type": "string",
                    "required": True,
                }
            ],
            "outputs": [
                {"id": "6f1c2d3e-0000-4000-8000-000000000004", "name": "movieDescription", "type": "string"}
            ],
        }
    },
    "config": [
        {"name": "MOVIES_API_KEY", "description": "API key", "value": "", "required": True, "secure": True}
    ],
}


class Command(BaseCommand):
    help = "Create the demo modeler account and demo project (development only)."

    def handle(self, *args, **options):
        user_model = get_user_model()
        with transaction.atomic():
            modeler, _ = user_model.objects.get_or_create(username=DEMO_USERNAME)
            modeler.set_password(DEMO_PASSWORD)
            modeler.save()
            modeler.groups.add(Group.objects.get(name=APS_MODELER))
            admin, _ = user_model.objects.get_or_create(username=ADMIN_USERNAME)
            admin.is_staff = admin.is_superuser = True
            admin.set_password(ADMIN_PASSWORD)
            admin.save()
            admin.groups.add(Group.objects.get(name=APS_DEVOPS))
            if not Project.objects.filter(owner=modeler, name="demo-movies").exists():
                project = services.project_create(
                    actor=modeler,
                    name="demo-movies",
                    description="Demo project: a movies connector and a process",
                )
                services.model_create(
                    actor=modeler,
                    project=project,
                    type_name="CONNECTOR",
                    name="movies",
                    content=json.dumps(DEMO_CONNECTOR, indent=2).encode(),
                )
                services.model_create(
                    actor=modeler,
                    project=project,
                    type_name="PROCESS",
                    name="rank-movie",
                    description="Draw a service task and pick movies.getMovieDesc",
                )
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Demo modeler account:  username 'modeler'  password 'modeler-demo'\n"
                "  Admin account:         username 'admin'    password 'admin-demo'  (/admin/)\n"
            )
        )
