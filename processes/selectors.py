"""Reads of the processes app: the connector actions a process uses, the other models' process ids.

They run on every process save, so each is one SQL statement written out: the ORM took longer
to compile these queries than PostgreSQL took to answer them (about 0.5 ms each).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection

from connectors.models import Implementation
from modeler.sql import db_param
from processes.mapping import Action, action_from_entry
from processes.models import ProcessDefinition
from projects.models import Model


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [db_param(value) for value in params])
        return cursor.fetchall()


def _placeholders(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _json(value):
    """A JSON column as a raw cursor returns it (text, or already parsed by some drivers)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def actions_named(project, implementations: Iterable[str]) -> dict[str, Action]:
    """The catalog's actions among `implementations` (only those rows are read and parsed)."""
    wanted = sorted(set(implementations))
    if not wanted:
        return {}
    rows = _rows(
        f"SELECT implementation, entry FROM {Implementation._meta.db_table} "  # noqa: S608
        f"WHERE project_id = %s AND implementation IN ({_placeholders(wanted)})",
        [project.pk, *wanted],
    )
    return {implementation: action_from_entry(json.loads(entry)) for implementation, entry in rows}


def process_ids_elsewhere(project, process_ids: Iterable[str], exclude_model_id) -> dict[str, str]:
    """Process id → name of the other process model of the project that already uses it."""
    wanted = list(process_ids)
    if not wanted:
        return {}
    excluded = "" if exclude_model_id is None else " AND d.model_id <> %s"
    rows = _rows(
        f"SELECT d.process_id, m.name FROM {ProcessDefinition._meta.db_table} d "  # noqa: S608
        f"JOIN {Model._meta.db_table} m ON m.id = d.model_id "
        f"WHERE d.project_id = %s AND d.process_id IN ({_placeholders(wanted)}){excluded}",
        [project.pk, *wanted, *([] if exclude_model_id is None else [exclude_model_id])],
    )
    return dict(rows)


def process_rows(model_id) -> list[tuple[str, str, dict]]:
    """(process id, name, service task id → implementation) of each process row of the model, as
    its last save stored them, in their order."""
    rows = _rows(
        f"SELECT process_id, name, implementations FROM {ProcessDefinition._meta.db_table} "  # noqa: S608
        "WHERE model_id = %s ORDER BY id",
        [model_id],
    )
    return [(process_id, name, _json(implementations)) for process_id, name, implementations in rows]


def previous_implementations(rows: list[tuple[str, str, dict]]) -> dict[str, str]:
    """Service task id → implementation as the model's last save stored them (its `process_rows`)."""
    implementations: dict[str, str] = {}
    for _, _, row in rows:
        implementations.update(row or {})
    return implementations
