"""Reads of the processes app: the connector actions a process uses, the other models' process ids.

They run on every process save, so each is one SQL statement written out: the ORM took longer
to compile these queries than PostgreSQL took to answer them (about 0.5 ms each). A save's three
reads (`save_reads`) go to PostgreSQL as one round trip.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from connectors.models import Implementation
from modeler import fast_json
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
    return fast_json.loads(value) if isinstance(value, str | bytes) else value


# A read: its SQL and its parameters.
Read = tuple[str, list]


def _actions_read(project, wanted: list[str]) -> Read:
    return (
        f"SELECT implementation, entry FROM {Implementation._meta.db_table} "  # noqa: S608
        f"WHERE project_id = %s AND implementation IN ({_placeholders(wanted)})",
        [project.pk, *wanted],
    )


def _actions(rows: list[tuple]) -> dict[str, Action]:
    return {implementation: action_from_entry(_json(entry)) for implementation, entry in rows}


def actions_named(project, implementations: Iterable[str]) -> dict[str, Action]:
    """The catalog's actions among `implementations` (only those rows are read and parsed)."""
    wanted = sorted(set(implementations))
    if not wanted:
        return {}
    return _actions(_rows(*_actions_read(project, wanted)))


def _elsewhere_read(project, wanted: list[str], exclude_model_id) -> Read:
    excluded = "" if exclude_model_id is None else " AND d.model_id <> %s"
    return (
        f"SELECT d.process_id, m.name FROM {ProcessDefinition._meta.db_table} d "  # noqa: S608
        f"JOIN {Model._meta.db_table} m ON m.id = d.model_id "
        f"WHERE d.project_id = %s AND d.process_id IN ({_placeholders(wanted)}){excluded}",
        [project.pk, *wanted, *([] if exclude_model_id is None else [exclude_model_id])],
    )


def process_ids_elsewhere(project, process_ids: Iterable[str], exclude_model_id) -> dict[str, str]:
    """Process id → name of the other process model of the project that already uses it."""
    wanted = list(process_ids)
    if not wanted:
        return {}
    return dict(_rows(*_elsewhere_read(project, wanted, exclude_model_id)))


def _process_rows_read(model_id) -> Read:
    return (
        f"SELECT process_id, name, implementations FROM {ProcessDefinition._meta.db_table} "  # noqa: S608
        "WHERE model_id = %s ORDER BY id",
        [model_id],
    )


def _process_rows(rows: list[tuple]) -> list[tuple[str, str, dict]]:
    """(process id, name, service task id → implementation) of each process row of the model, as
    its last save stored them, in their order."""
    return [(process_id, name, _json(implementations)) for process_id, name, implementations in rows]


def save_reads(
    project, model_id, implementations: Iterable[str], process_ids: Iterable[str]
) -> tuple[list[tuple[str, str, dict]], dict[str, Action], dict[str, str]]:
    """A process save's reads: the process rows of the saved model (none for a new one: None),
    `actions_named` and `process_ids_elsewhere`; on PostgreSQL, one round trip for all three
    (statements joined by `;` go as one simple query, each answer a result set of its own)."""
    wanted_actions = sorted(set(implementations))
    wanted_ids = list(process_ids)
    reads: dict[str, Read] = {}
    if model_id is not None:
        reads["rows"] = _process_rows_read(model_id)
    if wanted_actions:
        reads["actions"] = _actions_read(project, wanted_actions)
    if wanted_ids:
        reads["elsewhere"] = _elsewhere_read(project, wanted_ids, model_id)
    answers = dict(zip(reads, _many_rows(list(reads.values())), strict=True))
    return (
        _process_rows(answers.get("rows", [])),
        _actions(answers.get("actions", [])),
        dict(answers.get("elsewhere", [])),
    )


def _many_rows(reads: list[Read]) -> list[list[tuple]]:
    if connection.vendor != "postgresql" or len(reads) < 2:
        return [_rows(sql, params) for sql, params in reads]
    with connection.cursor() as cursor:
        cursor.execute(
            "; ".join(sql for sql, _ in reads), [db_param(value) for _, params in reads for value in params]
        )
        answers = [cursor.fetchall()]
        while cursor.nextset():
            answers.append(cursor.fetchall())
    return answers


def previous_implementations(rows: list[tuple[str, str, dict]]) -> dict[str, str]:
    """Service task id → implementation as the model's last save stored them (its process rows)."""
    implementations: dict[str, str] = {}
    for _, _, row in rows:
        implementations.update(row or {})
    return implementations
