"""Registers the PROCESS model type."""

from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "processes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from processes import bpmn, mapping, services
        from projects.model_api import ImportRule, register_import
        from projects.model_types import ModelType, register

        register(
            ModelType(
                name="PROCESS",
                folder="processes",
                suffix=".bpmn20.xml",
                media_type="application/xml",
                accepted_media_types=("application/xml", "text/xml"),
                max_bytes=settings.MODELER_MAX_XML_BYTES,
                initial_content=bpmn.initial_process,
                check_content=bpmn.check_process,
                start_check=bpmn.start_check_process,
                derived_files=services.extensions_files,
                derived_names=services.extensions_file_name,
                stored_extensions=services.extensions_in_files,
                complete_save=services.complete_process_save,
                after_save=services.refresh_process_definitions,
                complete_new=services.complete_new_processes,
                after_saves=services.refresh_many_process_definitions,
                schemas={"PROCESS-EXTENSION": mapping.extensions_schema},
            )
        )
        # What APA, bpmn-js and Camunda Modeler name their files.
        register_import("PROCESS", ImportRule((".bpmn20.xml", ".bpmn.xml", ".bpmn")))
