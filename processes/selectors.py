"""Reads of the processes app: the connector actions a process uses, the other models' process ids."""

from __future__ import annotations

import json
from collections.abc import Iterable

from connectors.models import Implementation
from processes.mapping import Action, action_from_entry
from processes.models import ProcessDefinition


def actions_named(project, implementations: Iterable[str]) -> dict[str, Action]:
    """The catalog's actions among `implementations` (only those rows are read and parsed)."""
    wanted = sorted(set(implementations))
    if not wanted:
        return {}
    rows = Implementation.objects.filter(project=project, implementation__in=wanted).values_list(
        "implementation", "entry"
    )
    return {implementation: action_from_entry(json.loads(entry)) for implementation, entry in rows}


def process_ids_elsewhere(project, process_ids: Iterable[str], exclude_model_id) -> dict[str, str]:
    """Process id → name of the other process model of the project that already uses it."""
    rows = (
        ProcessDefinition.objects.filter(project=project, process_id__in=list(process_ids))
        .exclude(model_id=exclude_model_id)
        .values_list("process_id", "model__name")
    )
    return dict(rows)


def process_rows(model_id) -> list[tuple[str, str, dict]]:
    """(process id, name, service task id → implementation) of each process row of the model, as
    its last save stored them, in their order."""
    rows = ProcessDefinition.objects.filter(model_id=model_id).order_by("pk")
    return [tuple(row) for row in rows.values_list("process_id", "name", "implementations")]


def previous_implementations(rows: list[tuple[str, str, dict]]) -> dict[str, str]:
    """Service task id → implementation as the model's last save stored them (its `process_rows`)."""
    implementations: dict[str, str] = {}
    for _, _, row in rows:
        implementations.update(row or {})
    return implementations
