"""BPMN and extensions of the processes the run tests execute (no diagram: a run needs none)."""

from __future__ import annotations

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'id="model-1" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def bpmn(body: str, process_id: str = "Process_run1", extra: str = "") -> bytes:
    return (
        HEAD
        + extra
        + f'<bpmn2:process id="{process_id}" name="run-test" isExecutable="true">\n'
        + body
        + "\n</bpmn2:process>\n</bpmn2:definitions>\n"
    ).encode()


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn2:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn2:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn2:conditionExpression xsi:type="bpmn2:tFormalExpression" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><![CDATA[{condition}]]>'
        "</bpmn2:conditionExpression></bpmn2:sequenceFlow>"
    )


def service(task_id: str, implementation: str, name: str = "") -> str:
    return f'<bpmn2:serviceTask id="{task_id}" name="{name or task_id}" implementation="{implementation}"/>'


def variable(name: str, kind: str = "string", required: bool = False, value=None) -> dict:
    row = {"id": f"var-{name}", "name": name, "type": kind, "required": required}
    if value is not None:
        row["value"] = value
    return row


def extensions(process_id: str = "Process_run1", variables=(), mappings=None, constants=None) -> dict:
    return {
        process_id: {
            "properties": {v["id"]: v for v in variables},
            "mappings": mappings or {},
            "constants": constants or {},
        }
    }


# The demo project's seed flow: movieName in, movieDescription out.
SEED = bpmn(
    '<bpmn2:startEvent id="StartEvent_1"/>'
    + service("Task_1", "movies.getMovieDesc", "look up")
    + '<bpmn2:endEvent id="EndEvent_1"/>'
    + flow("Flow_1", "StartEvent_1", "Task_1")
    + flow("Flow_2", "Task_1", "EndEvent_1")
)
SEED_EXTENSIONS = extensions(
    variables=[variable("movieName", required=True), variable("movieDescription")],
    mappings={
        "Task_1": {
            "inputs": {"movieName": {"type": "variable", "value": "movieName"}},
            "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
        }
    },
)

# A lookup that may answer the BPMN error NOT_FOUND, caught by a boundary event, then a gateway
# on the connector's output.
ROUTED = bpmn(
    '<bpmn2:startEvent id="StartEvent_1"/>'
    + service("Task_find", "films.find")
    + '<bpmn2:boundaryEvent id="Boundary_notFound" attachedToRef="Task_find">'
    '<bpmn2:errorEventDefinition errorRef="Error_notFound"/></bpmn2:boundaryEvent>'
    + '<bpmn2:exclusiveGateway id="Gateway_rating"/>'
    + service("Task_praise", "films.praise")
    + service("Task_pan", "films.pan")
    + service("Task_sorry", "films.sorry")
    + '<bpmn2:endEvent id="End_praised"/><bpmn2:endEvent id="End_panned"/><bpmn2:endEvent id="End_missing"/>'
    + flow("F1", "StartEvent_1", "Task_find")
    + flow("F2", "Task_find", "Gateway_rating")
    + flow("F3", "Gateway_rating", "Task_praise", "${rating >= 7 && !(title == 'Cats')}")
    + flow("F4", "Gateway_rating", "Task_pan", "${rating < 7 || title == 'Cats'}")
    + flow("F5", "Task_praise", "End_praised")
    + flow("F6", "Task_pan", "End_panned")
    + flow("F7", "Boundary_notFound", "Task_sorry")
    + flow("F8", "Task_sorry", "End_missing"),
    extra='<bpmn2:error id="Error_notFound" name="not found" errorCode="NOT_FOUND"/>\n',
)
ROUTED_EXTENSIONS = extensions(
    variables=[
        variable("title", required=True),
        variable("rating", "integer"),
        variable("verdict"),
    ],
    mappings={
        "Task_find": {
            "inputs": {"title": {"type": "variable", "value": "title"}},
            "outputs": {"rating": {"type": "variable", "value": "rating"}},
        },
        "Task_praise": {"mappingType": "MAP_ALL"},
        "Task_pan": {"mappingType": "MAP_ALL"},
        "Task_sorry": {
            "inputs": {"title": {"type": "variable", "value": "title"}},
            "outputs": {"verdict": {"type": "variable", "value": "verdict"}},
        },
    },
)

# A sub-process holding the lookup, with the error boundary on the sub-process, then a parallel
# split whose two branches both call the connector and join before the end.
NESTED = bpmn(
    '<bpmn2:startEvent id="StartEvent_0"/>'
    '<bpmn2:subProcess id="Sub_lookup">'
    '<bpmn2:startEvent id="Sub_start"/>'
    + service("Sub_find", "films.find")
    + '<bpmn2:endEvent id="Sub_end"/>'
    + flow("S1", "Sub_start", "Sub_find")
    + flow("S2", "Sub_find", "Sub_end")
    + "</bpmn2:subProcess>"
    '<bpmn2:boundaryEvent id="Sub_failed" attachedToRef="Sub_lookup">'
    "<bpmn2:errorEventDefinition/></bpmn2:boundaryEvent>"
    '<bpmn2:parallelGateway id="Split"/><bpmn2:parallelGateway id="Join"/>'
    + service("Task_praise", "films.praise")
    + service("Task_echo", "films.echo")
    + '<bpmn2:endEvent id="EndEvent_0"/><bpmn2:endEvent id="End_failed"/>'
    + flow("F1", "StartEvent_0", "Sub_lookup")
    + flow("F2", "Sub_lookup", "Split")
    + flow("F3", "Split", "Task_praise")
    + flow("F4", "Split", "Task_echo")
    + flow("F5", "Task_praise", "Join")
    + flow("F6", "Task_echo", "Join")
    + flow("F7", "Join", "EndEvent_0")
    + flow("F8", "Sub_failed", "End_failed")
)
NESTED_EXTENSIONS = extensions(
    variables=[
        variable("title", required=True),
        variable("rating", "integer"),
        variable("verdict"),
        variable("received", "json"),
    ],
    mappings={
        "Sub_find": {
            "inputs": {"title": {"type": "variable", "value": "title"}},
            "outputs": {"rating": {"type": "variable", "value": "rating"}},
        },
        "Task_praise": {
            "inputs": {"title": {"type": "value", "value": "${title}"}},
            "outputs": {"verdict": {"type": "variable", "value": "verdict"}},
        },
        "Task_echo": {
            "inputs": {"received": {"type": "value", "value": "${rating > 5}"}},
            "outputs": {"received": {"type": "variable", "value": "received"}},
        },
    },
    constants={"Task_echo": {"apiVersion": {"value": "2"}}},
)

# Elements a run does not execute, one of each kind.
UNSUPPORTED = bpmn(
    '<bpmn2:startEvent id="StartEvent_0"><bpmn2:timerEventDefinition/></bpmn2:startEvent>'
    '<bpmn2:userTask id="Task_user" name="approve"/>'
    '<bpmn2:scriptTask id="Task_script"><bpmn2:script>x = 1</bpmn2:script></bpmn2:scriptTask>'
    '<bpmn2:serviceTask id="Task_bare"/>'
    '<bpmn2:exclusiveGateway id="Gateway"/>'
    '<bpmn2:endEvent id="EndEvent_0"/>'
    + flow("F1", "StartEvent_0", "Task_user")
    + flow("F2", "Task_user", "Task_script")
    + flow("F3", "Task_script", "Task_bare")
    + flow("F4", "Task_bare", "Gateway")
    + flow("F5", "Gateway", "EndEvent_0", "${execution.getVariable('x') == 1}")
)
