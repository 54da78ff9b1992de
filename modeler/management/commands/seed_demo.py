"""Create (or reset) the demo modeler account, an admin account and a demo project, and print them."""

from __future__ import annotations

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
                services.project_create(
                    actor=modeler,
                    name="demo-movies",
                    description="Demo project: a movies connector and a process",
                )
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Demo modeler account:  username 'modeler'  password 'modeler-demo'\n"
                "  Admin account:         username 'admin'    password 'admin-demo'  (/admin/)\n"
            )
        )
