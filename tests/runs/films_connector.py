"""A connector for the run tests, written with the SDK: `find` answers a rating or the BPMN error
NOT_FOUND; `praise`, `pan` and `sorry` answer a verdict; `echo` answers what it received."""

from __future__ import annotations

import uuid

from modeler_connector import BpmnError, CallContext, Connector


def _parameter(name: str, kind: str, required: bool = False) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "type": kind, "required": required}


def _action(name: str, inputs: list[dict], outputs: list[dict]) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "inputs": inputs, "outputs": outputs}


def definition(name: str = "films") -> dict:
    verdict = [_parameter("verdict", "string")]
    actions = [
        _action("find", [_parameter("title", "string", True)], [_parameter("rating", "integer")]),
        _action("praise", [_parameter("title", "string")], verdict),
        _action("pan", [_parameter("title", "string")], verdict),
        _action("sorry", [_parameter("title", "string")], verdict),
        _action("echo", [_parameter("received", "json")], [_parameter("received", "json")]),
    ]
    return {
        "id": f"connector-{uuid.uuid4()}",
        "name": name,
        "actions": {action["id"]: action for action in actions},
        "errors": [{"name": "NOT_FOUND", "description": "No such film", "code": "NOT_FOUND"}],
        "config": [],
    }


RATINGS = {"Alien": 9, "Cats": 3}


def build(name: str = "films") -> Connector:
    connector = Connector(definition(name))

    @connector.action("find")
    def find(inputs: dict, context: CallContext) -> dict:
        if inputs["title"] not in RATINGS:
            raise BpmnError("NOT_FOUND", f"No film called {inputs['title']}")
        return {"rating": RATINGS[inputs["title"]]}

    @connector.action("praise")
    def praise(inputs: dict, context: CallContext) -> dict:
        return {"verdict": f"{inputs.get('title')}: see it"}

    @connector.action("pan")
    def pan(inputs: dict, context: CallContext) -> dict:
        return {"verdict": f"{inputs.get('title')}: skip it"}

    @connector.action("sorry")
    def sorry(inputs: dict, context: CallContext) -> dict:
        return {"verdict": f"{inputs.get('title')}: not in the catalogue"}

    @connector.action("echo")
    def echo(inputs: dict, context: CallContext) -> dict:
        return {"received": dict(inputs)}

    return connector
