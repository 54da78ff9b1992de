"""Writes of the processes app, run inside the model save's transaction (projects.services).

`complete_process_save` turns sent (or stored) extensions into what is stored with new BPMN
content and lists the problems that need the project (implementations, other processes);
`refresh_process_definitions` keeps the process-id rows in step with the content.
"""

from __future__ import annotations

from typing import Any

from modeler.problems import Problem
from processes import bpmn, mapping
from processes.models import ProcessDefinition
from processes.selectors import actions_named, previous_implementations, process_ids_elsewhere
from projects.model_types import ContentCheck


def complete_process_save(
    project, check: ContentCheck, extensions: Any, stored
) -> tuple[dict, list[Problem]]:
    outline: bpmn.BpmnOutline = check.parsed
    if extensions is ...:
        extensions = (stored.extensions if stored is not None else None) or {}
    else:
        extensions = mapping.read_extensions(extensions if extensions is not None else {})
    previous = previous_implementations(stored.pk) if stored is not None else {}
    catalog = actions_named(
        project, (task.implementation for task in outline.service_tasks if task.implementation)
    )
    completed = mapping.complete_extensions(outline, extensions, catalog, previous)
    problems = mapping.check_extensions(outline, completed, catalog)
    used = process_ids_elsewhere(project, (p.id for p in outline.processes), stored.pk if stored else None)
    for process_id, other in sorted(used.items()):
        problems.append(
            Problem(
                "Process ids must be unique",
                f"Process [id: '{process_id}'] must be unique in the project: the process model '{other}' "
                "already uses it",
                "BPMN unique id validator",
                error_code="duplicate_process_id",
                reference_id=process_id,
            )
        )
    return completed, problems


def refresh_process_definitions(model, check: ContentCheck) -> None:
    """The model's process rows made from its outline; left as they are when they already say
    the same (a save that moves shapes or renames tasks changes no process id or implementation)."""
    outline: bpmn.BpmnOutline = check.parsed
    wanted = [
        (p.id, p.name[:255], {t.id: t.implementation for t in p.service_tasks if t.implementation})
        for p in outline.processes
    ]
    stored = ProcessDefinition.objects.filter(model=model).order_by("pk")
    if list(stored.values_list("process_id", "name", "implementations")) == wanted:
        return
    stored.delete()
    ProcessDefinition.objects.bulk_create(
        ProcessDefinition(
            project_id=model.project_id,
            model=model,
            process_id=process_id,
            name=name,
            implementations=implementations,
        )
        for process_id, name, implementations in wanted
    )


def extensions_file_name(name: str) -> tuple[str, ...]:
    return (f"{name}-extensions.json",)


def extensions_files(model_id: str, name: str, content: bytes, extensions: Any) -> dict[str, bytes]:
    return {f"{name}-extensions.json": mapping.extensions_file(model_id, name, extensions)}
