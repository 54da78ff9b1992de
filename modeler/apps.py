"""App config for the project package (roles migration, demo command, shared templates)."""

from django.apps import AppConfig


class ModelerConfig(AppConfig):
    name = "modeler"
    verbose_name = "Modeler"
