"""Registers the CONNECTOR model type."""

from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from connectors import schema
        from connectors.services import refresh_catalog, refresh_catalogs
        from projects.model_api import ImportRule, register_import
        from projects.model_types import ModelType, register

        register(
            ModelType(
                name="CONNECTOR",
                folder="connectors",
                suffix=".json",
                media_type="application/json",
                accepted_media_types=("application/json",),
                max_bytes=settings.MODELER_MAX_JSON_BYTES,
                initial_content=schema.initial_connector,
                check_content=schema.check_connector,
                rename_content=schema.rename_connector,
                after_save=refresh_catalog,
                after_saves=refresh_catalogs,
                schemas={"CONNECTOR": schema.connector_schema},
            )
        )
        # A connector file brought in alone keeps no secure value (removed with a warning).
        register_import("CONNECTOR", ImportRule((".json",), schema.strip_secure_values))
