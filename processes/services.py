"""Writes of the processes app, run inside the model save's transaction (projects.services).

`complete_process_save` turns sent (or stored) extensions into what is stored with new BPMN
content and lists the problems that need the project (implementations, other processes);
`refresh_process_definitions` keeps the process-id rows in step with the content. An import's many
new models go through `complete_new_processes` and `refresh_many_process_definitions`, which read
and write the project's rows once for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from modeler import fast_json
from modeler.problems import Problem
from processes import bpmn, mapping
from processes.models import ProcessDefinition
from processes.selectors import actions_named, previous_implementations, process_ids_elsewhere, save_reads
from projects import content_store
from projects.model_types import ContentCheck, made_derived_files, unpack_derived_files


def complete_process_save(
    project, check: ContentCheck, extensions: Any, stored
) -> tuple[dict, list[Problem]]:
    outline: bpmn.BpmnOutline = check.parsed
    stored_rows, catalog, used = save_reads(
        project,
        stored.pk if stored is not None else None,
        (task.implementation for task in outline.service_tasks if task.implementation),
        (p.id for p in outline.processes),
    )
    previous = {}
    if stored is not None:
        # Read once for the save: its after_save compares them with the new ones (the row is
        # locked, so nothing else changes them before then).
        stored.stored_process_rows = stored_rows
        previous = previous_implementations(stored_rows)
    completed, problems = _completed(outline, extensions, stored, catalog, previous)
    if extensions is ... and stored is not None:
        completed = _kept_as_stored(completed, stored)
    return completed, problems + _duplicate_ids(used)


def _kept_as_stored(completed: mapping.Extensions, stored) -> mapping.Extensions:
    """A save that sends no extensions and leaves the stored ones as they are (a diagram edit)
    keeps them as stored: the stored values themselves (the save then finds them unchanged
    without comparing them again) and the extensions file the row already holds, read back (as
    bytes, from the locked row) instead of written again (3.5 ms of JSON at 1,000 tasks, 35 ms
    at 10,000).

    `==` is enough here: every value of `completed` is either one of the stored values or a
    string, dict or list that completing made, so no 1 can stand for a stored true.
    """
    if completed != stored.extensions:
        return completed
    kept = mapping.Extensions(stored.extensions, completed.notes)
    # Read with the locked row on PostgreSQL (projects.services._locked_row), else read now.
    packed = getattr(stored, "stored_derived_files", None)
    if packed is None:
        packed = content_store.derived_files_of(stored.pk)
    data = _packed_extensions_file(stored.name, packed)
    if data is None:  # (damaged or missing: made again, from the completed ones)
        return completed
    kept.file = (str(stored.pk), stored.name, data)
    return kept


def complete_new_processes(
    project, items: list[tuple[str, ContentCheck, Any]]
) -> Iterator[tuple[dict, list[Problem]]]:
    """`complete_process_save` for the new process models of an import, in their order: the
    catalog and the project's process ids are read once for all of them, and each model sees
    the process ids of those before it as if they were stored already."""
    outlines: list[bpmn.BpmnOutline] = [check.parsed for _, check, _ in items]
    catalog = actions_named(
        project,
        (
            task.implementation
            for outline in outlines
            for task in outline.service_tasks
            if task.implementation
        ),
    )
    used = process_ids_elsewhere(project, (p.id for outline in outlines for p in outline.processes), None)
    for (name, _, extensions), outline in zip(items, outlines, strict=True):
        completed, problems = _completed(outline, extensions, None, catalog, {})
        ids = [p.id for p in outline.processes]
        yield completed, problems + _duplicate_ids({pid: used[pid] for pid in ids if pid in used})
        used.update((pid, name) for pid in ids)


def _completed(
    outline: bpmn.BpmnOutline, extensions: Any, stored, catalog: dict, previous: dict
) -> tuple[dict, list[Problem]]:
    if extensions is ...:
        extensions = (stored.extensions if stored is not None else None) or {}
    else:
        extensions = mapping.read_extensions(extensions if extensions is not None else {})
    completed = mapping.complete_extensions(outline, extensions, catalog, previous)
    return completed, mapping.check_extensions(outline, completed, catalog)


def _duplicate_ids(used: dict[str, str]) -> list[Problem]:
    return [
        Problem(
            "Process ids must be unique",
            f"Process [id: '{process_id}'] must be unique in the project: the process model '{other}' "
            "already uses it",
            "BPMN unique id validator",
            error_code="duplicate_process_id",
            reference_id=process_id,
        )
        for process_id, other in sorted(used.items())
    ]


def refresh_process_definitions(model, check: ContentCheck) -> None:
    """The model's process rows made from its outline; left as they are when they already say
    the same (a save that moves shapes or renames tasks changes no process id or implementation)."""
    refresh_many_process_definitions([(model, check)])


def refresh_many_process_definitions(saved: list[tuple[Any, ContentCheck]]) -> None:
    """`refresh_process_definitions` for many models: one read, one delete, one insert."""
    wanted = {
        model.pk: [
            (p.id, p.name[:255], {t.id: t.implementation for t in p.service_tasks if t.implementation})
            for p in check.parsed.processes
        ]
        for model, check in saved
    }
    # The rows complete_process_save read in this transaction, used once.
    stored: dict[Any, list] = {
        model.pk: model.__dict__.pop("stored_process_rows", None) for model, _ in saved
    }
    unread = [model_id for model_id, rows in stored.items() if rows is None]
    for model_id in unread:
        stored[model_id] = []
    if unread:
        rows = ProcessDefinition.objects.filter(model_id__in=unread).order_by("pk")
        for model_id, *row in rows.values_list("model_id", "process_id", "name", "implementations"):
            stored[model_id].append(tuple(row))
    changed = [model for model, _ in saved if stored[model.pk] != wanted[model.pk]]
    if not changed:
        return
    stale = [model.pk for model in changed if stored[model.pk]]
    if stale:
        ProcessDefinition.objects.filter(model_id__in=stale).delete()
    content_store.bulk_insert(
        [
            ProcessDefinition(
                project_id=model.project_id,
                model=model,
                process_id=process_id,
                name=name,
                implementations=implementations,
            )
            for model in changed
            for process_id, name, implementations in wanted[model.pk]
        ]
    )


def _packed_extensions_file(name: str, packed) -> bytes | None:
    """The extensions file a process row's packed derived files hold (its only file), or None
    when they are missing, damaged or hold something else."""
    try:
        files = unpack_derived_files(name, packed)
    except ValueError:
        return None
    data = (files or {}).get(extensions_file_name(name)[0])
    return data if data is not None and len(files) == 1 else None


def extensions_in_files(name: str, packed) -> Any:
    """The extensions a process row stores, from its packed extensions file (the file is made from
    them whenever they, the content or the name are written); None when it is missing or damaged."""
    data = _packed_extensions_file(name, packed)
    if data is None:
        return None
    try:
        document = fast_json.loads(data)
    except ValueError:
        return None
    return document.get("extensions") if isinstance(document, dict) else None


def extensions_file_name(name: str) -> tuple[str, ...]:
    return (f"{name}-extensions.json",)


def extensions_files(model_id: str, name: str, content: bytes, extensions: Any) -> dict[str, bytes]:
    made = made_derived_files(model_id, name, extensions)  # just made by an import
    if made is not None:
        return made
    return {f"{name}-extensions.json": mapping.extensions_file(model_id, name, extensions)}
