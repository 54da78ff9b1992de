"""App config for the project package (roles migration, demo command, shared templates)."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ModelerConfig(AppConfig):
    name = "modeler"
    verbose_name = "Modeler"

    def ready(self) -> None:
        from modeler.fields import read_json_as_text

        connection_created.connect(read_json_as_text, dispatch_uid="modeler.read_json_as_text")
