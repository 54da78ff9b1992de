"""App config of the deployments app: registers its system checks."""

from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    name = "deployments"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Deployments"

    def ready(self) -> None:
        from deployments import checks  # noqa: F401  (registers the checks)
