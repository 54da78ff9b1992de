"""The archive import's batched paths against the one-at-a-time code they replaced: ids found by
prefix, extensions files not walked when no old id is inside, process ids of earlier models."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest

from processes.models import ProcessDefinition
from projects import archive
from projects.models import Model
from tests.processes.conftest import process_xml

OLD_PROCESS = f"process-{uuid.UUID(int=1)}"
OLD_CONNECTOR = f"connector-{uuid.UUID(int=2)}"
IDS = {OLD_PROCESS: f"process-{uuid.UUID(int=11)}", OLD_CONNECTOR: f"connector-{uuid.UUID(int=12)}"}


def naive_apply_ids(content: bytes, ids: dict[str, str]) -> bytes:
    """What `_apply_ids` did before: one search of the bytes per old id."""
    for old, new in ids.items():
        if old.encode() in content:
            content = content.replace(old.encode(), new.encode())
    return content


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"no ids here, process- and connector- alone",
        f'{{"id": "{OLD_CONNECTOR}", "ref": "x{OLD_PROCESS}y", "again": "{OLD_CONNECTOR}"}}'.encode(),
        f"{OLD_PROCESS}{OLD_PROCESS}process-{OLD_CONNECTOR}".encode(),
        f"{OLD_PROCESS[:-1]} truncated, {OLD_PROCESS.upper()} upper".encode(),
    ],
)
def test_apply_ids_finds_what_one_search_per_id_found(content):
    assert archive._apply_ids(content, IDS) == naive_apply_ids(content, IDS)


@pytest.mark.parametrize(
    "document",
    [
        {"id": OLD_PROCESS, "name": "p", "type": "PROCESS", "extensions": {"P": {"mappings": {}}}},
        {"id": OLD_PROCESS, "extensions": {"P": {"constants": {"T": {"c": {"value": OLD_CONNECTOR}}}}}},
        {"id": OLD_PROCESS, "extensions": {OLD_CONNECTOR: {}}},
        {"id": "process-elsewhere", "extensions": {}},
        {"id": OLD_PROCESS, "name": OLD_PROCESS, "extensions": {}},
    ],
)
@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_remapped_extensions_equal_the_full_walk(document, ensure_ascii):
    raw = json.dumps(document, ensure_ascii=ensure_ascii).encode()
    if ensure_ascii:  # the same document with a \\u escape: only the walk can see through it
        raw = raw.replace(b'"name"', b'"n\\u0061me"') if b'"name"' in raw else raw
        document = json.loads(raw)
    model = archive.ArchiveModel("PROCESS", "p", "processes/p.bpmn20.xml", b"", document, "x", raw)
    assert archive._remapped_extensions(model, IDS) == archive._remap(document, IDS)


def archive_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.django_db
def test_import_reports_a_process_id_used_by_an_earlier_model_as_one_save_after_another_would(owner):
    files = {"dup.json": json.dumps({"name": "dup"}).encode()}
    for name in ("a-first", "b-second", "c-third"):
        files[f"processes/{name}.bpmn20.xml"] = process_xml({"Task_1": None}, process_id="Process_same")
    project = archive.project_import(actor=owner, data=archive_bytes(files))
    problems = {
        model.name: [p["description"] for p in model.problems if p["errorCode"] == "duplicate_process_id"]
        for model in Model.objects.filter(project=project)
    }
    assert problems["a-first"] == []
    assert problems["b-second"] == [
        "Process [id: 'Process_same'] must be unique in the project: the process model 'a-first' already uses it"
    ]
    assert problems["c-third"] == [
        "Process [id: 'Process_same'] must be unique in the project: the process model 'b-second' already uses it"
    ]
    assert ProcessDefinition.objects.filter(project=project, process_id="Process_same").count() == 3
