"""A connector for the SDK's own tests: `echo`, `fail` (every kind of error) and `slow`.

Each test builds its definition with a unique connector name (`sample_definition`), so its
exchanges and queues are its own. Run as a process with
`connector run --module tests.sdk.sample_connector --definition <file>`.

`SAMPLE_FAST=1` makes `slow` fast. `SAMPLE_MARKER_DIR`: `slow` writes `<pid>-<id>.started` there when it starts, and, with
`SAMPLE_PAUSE_AFTER_ANSWER=<seconds>`, `<pid>-<id>.answered` once its answer is published,
then sleeps before the acknowledgement (to kill the process in that window).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from modeler_connector import BpmnError, Connector
from modeler_connector.worker import Worker


def sample_definition(name: str | None = None) -> dict:
    name = name or f"sdk-{uuid.uuid4().hex[:10]}"

    def parameter(pname, ptype, required=False):
        return {"id": f"{pname}-id", "name": pname, "type": ptype, "required": required}

    return {
        "id": f"connector-{uuid.uuid4()}",
        "name": name,
        "description": "SDK test connector",
        "actions": {
            "a1": {
                "id": "a1",
                "name": "echo",
                "inputs": [parameter("text", "string", True), parameter("when", "date")],
                "outputs": [parameter("text", "string"), parameter("length", "integer")],
            },
            "a2": {"id": "a2", "name": "fail", "inputs": [parameter("kind", "string", True)], "outputs": []},
            "a3": {
                "id": "a3",
                "name": "slow",
                "inputs": [parameter("seconds", "integer")],
                "outputs": [parameter("pid", "integer")],
            },
        },
        "config": [
            {
                "name": "SAMPLE_TOKEN",
                "description": "a secret",
                "value": "",
                "required": True,
                "secure": True,
            },
            {"name": "SAMPLE_REGION", "description": "optional", "value": "eu", "required": False},
        ],
        "errors": [{"name": "NOT_FOUND", "description": "Unknown thing", "code": "NOT_FOUND"}],
    }


def build(definition=None) -> Connector:
    connector = Connector(definition)

    @connector.action("echo")
    def echo(inputs, context):
        return {"text": inputs["text"], "length": len(inputs["text"])}

    @connector.action("fail")
    def fail(inputs, context):
        kind = inputs["kind"]
        if kind == "declared":
            raise BpmnError("NOT_FOUND", "No such thing")
        if kind == "undeclared":
            raise BpmnError("MADE_UP", "An undeclared code")
        if kind == "bad-output":
            return {"nope": 1}
        return {"ratio": 1 / 0}

    @connector.action("slow")
    def slow(inputs, context):
        marker = os.environ.get("SAMPLE_MARKER_DIR")
        if marker:
            Path(marker, f"{os.getpid()}-{context.id}.started").write_text(context.id)
        if not os.environ.get("SAMPLE_FAST"):
            time.sleep(inputs.get("seconds") or 0)
        return {"pid": os.getpid()}

    return connector


connector = build()

if os.environ.get("SAMPLE_PAUSE_AFTER_ANSWER"):
    _send = Worker._send

    def _send_then_pause(self, connection, producer, reply, request, action, started=None):
        _send(self, connection, producer, reply, request, action, started)
        Path(os.environ["SAMPLE_MARKER_DIR"], f"{os.getpid()}-{request.id}.answered").write_text(request.id)
        time.sleep(float(os.environ["SAMPLE_PAUSE_AFTER_ANSWER"]))

    Worker._send = _send_then_pause
