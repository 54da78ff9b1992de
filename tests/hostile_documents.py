"""Worst-case documents for the problem caps: each about 1 MiB (5 MiB for BPMN) and built to make
a checker find as many problems as possible. Shared by tests/modeler/test_problem_caps.py and
bench/bench_worst_case_validate.py."""

from __future__ import annotations

import json

MIB = 1024 * 1024


def _fill(head: bytes, item, tail: bytes, limit: int) -> bytes:
    """head + as many `item(n)` joined by commas as fit under `limit` bytes + tail."""
    parts, size, n = [], len(head) + len(tail), 0
    while True:
        piece = item(n)
        if size + len(piece) + 1 > limit:
            break
        parts.append(piece)
        size += len(piece) + 1
        n += 1
    return head + b",".join(parts) + tail


def connector_documents(limit: int = MIB - 64) -> dict[str, bytes]:
    return {
        "connector errors of empty objects": _fill(b'{"name":"c","errors":[', lambda n: b"{}", b"]}", limit),
        "connector actions without id and name": _fill(
            b'{"name":"c","actions":{', lambda n: b'"a%d":{}' % n, b"}}", limit
        ),
        "connector parameters of wrong types": _fill(
            b'{"name":"c","actions":{"a":{"id":"a","name":"a","inputs":[',
            lambda n: b'{"id":1}',
            b"]}}}",
            limit,
        ),
        "connector duplicate action names": _fill(
            b'{"name":"c","actions":{', lambda n: b'"a%d":{"id":"a%d","name":"x"}' % (n, n), b"}}", limit
        ),
    }


def extensions_document(process_id: str, limit: int = MIB - 64) -> bytes:
    """Process variables each breaking several rules (bad name, unknown type, wrong default)."""
    head = b'{"%s":{"properties":{' % process_id.encode()
    return _fill(
        head,
        lambda n: b'"v%d":{"id":"v%d","name":"%d bad","type":"nope","value":[1]}' % (n, n, n),
        b'},"mappings":{},"constants":{}}}',
        limit,
    )


def bpmn_document(process_id: str, limit: int = 5 * MIB - 1024) -> bytes:
    """A process of tasks whose flows all point nowhere: one reference problem per flow and task."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        f'targetNamespace="http://bpmn.io/schema/bpmn"><bpmn:process id="{process_id}" name="p" isExecutable="true">'
    ).encode()
    return _fill(
        head,
        lambda n: (
            b'<bpmn:serviceTask id="T%d" implementation="no.such"/>'
            b'<bpmn:sequenceFlow id="F%d" sourceRef="nowhere%d" targetRef="T%d"/>' % (n, n, n, n)
        ),
        b"</bpmn:process></bpmn:definitions>",
        limit,
    ).replace(b">,<", b"><")


def sizes() -> dict[str, int]:
    return {name: len(body) for name, body in connector_documents().items()}


if __name__ == "__main__":
    print(json.dumps(sizes(), indent=2))
