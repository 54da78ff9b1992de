"""Valid input cannot be amplified into unbounded work: automatic mapping stops at
MAX_MAPPING_ROWS (a small file asking for a row per task × parameter is refused, nothing
stored), and the extensions part is capped like any JSON body."""

from __future__ import annotations

import json

import pytest

from processes.mapping import MAX_MAPPING_ROWS
from projects import services
from projects.models import Model, ModelVersion

API = "/modeling-service/v1"
pytestmark = pytest.mark.django_db


def _connector(parameters: int) -> bytes:
    action = {
        "id": "a",
        "name": "a",
        "inputs": [{"id": f"i{n}", "name": f"v{n}", "type": "string"} for n in range(parameters)],
        "outputs": [{"id": f"o{n}", "name": f"v{n}", "type": "string"} for n in range(parameters)],
    }
    return json.dumps({"name": "c", "actions": {"a": action}}).encode()


def _bpmn(process_id: str, tasks: int) -> bytes:
    body = "".join(f'<bpmn2:serviceTask id="T{n}" implementation="c.a"/>' for n in range(tasks))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn2:definitions '
        'xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
        f'<bpmn2:process id="{process_id}" name="p" isExecutable="true">{body}</bpmn2:process></bpmn2:definitions>'
    ).encode()


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_automatic_mapping_past_the_row_cap_is_refused(owner_api, owner, project):
    parameters, tasks = 300, 100  # 100 tasks × 600 rows: 60,000 > MAX_MAPPING_ROWS
    assert tasks * parameters * 2 > MAX_MAPPING_ROWS
    services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="c", content=_connector(parameters)
    )
    process, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="p")
    process_id = next(iter(process.extensions))
    variables = {f"v{n}": {"id": f"v{n}", "name": f"v{n}", "type": "string"} for n in range(parameters)}
    extensions = {process_id: {"properties": variables, "mappings": {}, "constants": {}}}
    before = (bytes(Model.objects.get(pk=process.pk).content), ModelVersion.objects.count())
    files = {
        "file": _upload("p.bpmn20.xml", _bpmn(process_id, tasks)),
        "extensions": _upload("p-extensions.json", json.dumps(extensions).encode()),
    }
    response = owner_api.put(f"{API}/models/{process.pk}/content", files, format="multipart")
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["errorCode"] == "too_many_mappings"
    assert f"more than {MAX_MAPPING_ROWS} rows" in body["message"]
    assert len(response.content) < 4096
    assert (bytes(Model.objects.get(pk=process.pk).content), ModelVersion.objects.count()) == before


def test_automatic_mapping_under_the_cap_is_stored(owner, project):
    services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="c", content=_connector(10)
    )
    process, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="p")
    process_id = next(iter(process.extensions))
    variables = {f"v{n}": {"id": f"v{n}", "name": f"v{n}", "type": "string"} for n in range(10)}
    saved, _ = services.model_save_content(
        actor=owner,
        model=process,
        content=_bpmn(process_id, 50),
        extensions={process_id: {"properties": variables, "mappings": {}, "constants": {}}},
    )
    mappings = saved.extensions[process_id]["mappings"]
    assert len(mappings) == 50
    assert sum(len(m["inputs"]) + len(m["outputs"]) for m in mappings.values()) == 50 * 20


def test_an_extensions_part_over_the_json_cap_is_413(owner_api, owner, project, settings):
    process, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="p")
    big = b'{"x": "' + b"a" * settings.MODELER_MAX_JSON_BYTES + b'"}'
    files = {"file": _upload("p.bpmn20.xml", bytes(process.content)), "extensions": _upload("e.json", big)}
    response = owner_api.put(f"{API}/models/{process.pk}/content", files, format="multipart")
    assert response.status_code == 413
    assert response.json()["errorCode"] == "payload_too_large"
    assert ModelVersion.objects.filter(model=process).count() == 1
