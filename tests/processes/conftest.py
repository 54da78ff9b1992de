"""Fixtures of the process tests: BPMN builders, the movies connector and a process model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from projects import services

FIXTURES = Path(__file__).parent.parent / "fixtures"
BPMN_FIXTURES = FIXTURES / "bpmn"
API = "/modeling-service/v1"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="model-1" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def process_xml(
    tasks: dict[str, str | None] | None = None, process_id: str = "Process_movies", extra: str = ""
) -> bytes:
    """A process: start → each service task (id → implementation) in a row → end, with a diagram."""
    tasks = {"Task_1": "movies.getMovieDesc"} if tasks is None else tasks
    nodes = ['    <bpmn2:startEvent id="Event_start" />']
    flows, shapes, previous = (
        [],
        [
            '<bpmndi:BPMNShape id="Event_start_di" bpmnElement="Event_start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>'
        ],
        "Event_start",
    )
    for index, (task_id, implementation) in enumerate(tasks.items()):
        attribute = f' implementation="{implementation}"' if implementation else ""
        nodes.append(f'    <bpmn2:serviceTask id="{task_id}" name="step {index}"{attribute} />')
        flows.append(
            f'    <bpmn2:sequenceFlow id="Flow_{index}" sourceRef="{previous}" targetRef="{task_id}" />'
        )
        shapes.append(
            f'<bpmndi:BPMNShape id="{task_id}_di" bpmnElement="{task_id}"><dc:Bounds x="{200 + 150 * index}" y="80" width="100" height="80" /></bpmndi:BPMNShape>'
        )
        previous = task_id
    nodes.append('    <bpmn2:endEvent id="Event_end" />')
    flows.append(f'    <bpmn2:sequenceFlow id="Flow_end" sourceRef="{previous}" targetRef="Event_end" />')
    return (
        HEAD
        + f'  <bpmn2:process id="{process_id}" name="rank movie" isExecutable="true">\n'
        + "\n".join(nodes + flows)
        + extra
        + "\n  </bpmn2:process>\n"
        + '  <bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="'
        + process_id
        + '">'
        + "".join(shapes)
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n</bpmn2:definitions>\n"
    ).encode()


def variable(name: str, type_: str = "string", required: bool = False, value=None, var_id: str | None = None):
    var_id = var_id or f"var-{name}"
    entry = {"id": var_id, "name": name, "type": type_, "required": required}
    if value is not None:
        entry["value"] = value
    return var_id, entry


def extensions_with(*variables, process_id: str = "Process_movies", mappings=None, constants=None) -> dict:
    return {
        process_id: {
            "properties": dict(variables),
            "mappings": mappings or {},
            "constants": constants or {},
        }
    }


@pytest.fixture
def movies(owner, project):
    model, _ = services.model_create(
        actor=owner,
        project=project,
        type_name="CONNECTOR",
        name="movies",
        content=(FIXTURES / "movies-apa.json").read_bytes(),
    )
    return model


@pytest.fixture
def rank_movie(owner, project, movies):
    """A process model `rank-movie` declaring movieName and movieDescription, with no task yet."""
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank-movie")
    process_id = next(iter(model.extensions))
    model.extensions[process_id]["properties"] = dict(
        [variable("movieName", required=True), variable("movieDescription")]
    )
    model, _ = services.model_save_content(
        actor=owner, model=model, content=bytes(model.content), extensions=model.extensions
    )
    return model


@pytest.fixture
def process_dir(workspace_dir, owner, project):
    return Path(workspace_dir) / str(owner.pk) / project.name / "processes"


def file_json(path: Path) -> dict:
    return json.loads(path.read_bytes())
