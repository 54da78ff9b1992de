"""Which processes use a connector, and renaming a connector together with the implementations
of the service tasks that call it (the workspace's "update the processes too").

Reads ProcessDefinition rows (kept by every process save). Renames and content changes go
through projects.services, so versions and the workspace folder stay in step; revalidation only
rewrites the stored problems of a process (no version, no file). Must not import views or the API.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from processes import bpmn
from processes.models import ProcessDefinition
from projects import services
from projects.models import Model


def connector_usages(project, connector_name: str) -> list[dict[str, Any]]:
    """Every process of `project` whose service tasks name `<connector_name>.<action>`, with the tasks."""
    prefix = f"{connector_name}."
    by_model: dict[Any, dict[str, str]] = {}
    for definition in ProcessDefinition.objects.filter(project=project).only("model_id", "implementations"):
        tasks = {t: i for t, i in (definition.implementations or {}).items() if i.startswith(prefix)}
        if tasks:
            by_model.setdefault(definition.model_id, {}).update(tasks)
    usages = []
    for model in Model.objects.filter(pk__in=by_model).order_by("name"):
        names: dict[str, str] = {}
        try:
            names = {t.id: t.name for t in bpmn.read_bpmn(bytes(model.content)).service_tasks}
        except Exception:  # noqa: BLE001 - a stored file the parser now refuses still has its ids
            names = {}
        tasks = [
            {"id": task_id, "name": names.get(task_id, ""), "implementation": implementation}
            for task_id, implementation in sorted(by_model[model.pk].items())
        ]
        usages.append({"modelId": str(model.pk), "modelName": model.name, "tasks": tasks})
    return usages


def _implementation_attribute(old: str) -> re.Pattern[bytes]:
    return re.compile(
        rb"""(\bimplementation\s*=\s*["'])""" + re.escape(old.encode()) + rb"""(\.[^"'.]*["'])"""
    )


def connector_rename(*, actor, connector: Model, name: str, update_processes: bool) -> list[str]:
    """Rename a connector; with `update_processes`, every `<old>.<action>` implementation in the
    project's processes becomes `<name>.<action>` in the same transaction. Returns the names of
    the processes changed."""
    old = connector.name
    changed: list[str] = []
    with transaction.atomic():
        services.model_update(actor=actor, model=connector, name=name)
        if not update_processes or name == old:
            return changed
        pattern = _implementation_attribute(old)
        for usage in connector_usages(connector.project, old):
            process = Model.objects.get(pk=usage["modelId"])
            content = bytes(process.content)
            updated = pattern.sub(lambda m: m.group(1) + name.encode() + m.group(2), content)
            if updated != content:
                services.model_save_content(actor=actor, model=process, content=updated)
                changed.append(process.name)
    return changed


def processes_revalidate(*, project, connector_name: str | None = None) -> list[Model]:
    """Bring the stored problems of the project's processes (those using `connector_name`, or
    all) up to date after a connector changed. Only the problems change: no version, no file."""
    if connector_name is None:
        ids = list(Model.objects.filter(project=project, type="PROCESS").values_list("pk", flat=True))
    else:
        ids = [usage["modelId"] for usage in connector_usages(project, connector_name)]
    refreshed = []
    for process in Model.objects.filter(pk__in=ids).order_by("name"):
        check = services.model_validate(model=process, content=bytes(process.content))
        process.problems = [problem.as_json() for problem in check.problems]
        Model.objects.filter(pk=process.pk).update(problems=process.problems)
        refreshed.append(process)
    return refreshed
