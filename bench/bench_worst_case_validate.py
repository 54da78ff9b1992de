"""Worst-case validation: the hostile documents of tests/hostile_documents.py (1 MiB connectors
and extensions, a 5 MiB BPMN, each built to yield as many problems as possible) sent to
POST /models/{id}/validate under gunicorn on 127.0.0.1 with PostgreSQL.

For each it prints the median answer time over 5 requests, the answer size, and the ratio to a
floor measured in the same run: bare `json.loads` (JSON) or lxml parse + XSD (BPMN) of the same
bytes. Goal (issue #8): every worst-case body validates in under 1 s, with a capped answer.

Run: .venv/bin/python bench/bench_worst_case_validate.py   (needs PostgreSQL at 127.0.0.1:5432)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BenchServer, setup_django  # noqa: E402

ROUNDS = 5


def _multipart(fields: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, (filename, data) in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def main() -> int:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from lxml import etree
    from rest_framework.authtoken.models import Token

    from modeler.roles import APS_MODELER
    from processes.bpmn import _schema_dir
    from projects import services
    from projects.models import Project
    from tests.hostile_documents import bpmn_document, connector_documents, extensions_document

    user, _ = get_user_model().objects.get_or_create(username="bench-worst")
    user.groups.add(Group.objects.get(name=APS_MODELER))
    token, _ = Token.objects.get_or_create(user=user)
    Project.objects.filter(owner=user, name="worst-case").delete()
    project = services.project_create(actor=user, name="worst-case")
    connector, _ = services.model_create(actor=user, project=project, type_name="CONNECTOR", name="c")
    process, _ = services.model_create(actor=user, project=project, type_name="PROCESS", name="p")
    process_id = next(iter(process.extensions))

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    schema = etree.XMLSchema(etree.parse(str(_schema_dir() / "BPMN20.xsd")))

    def json_floor(body: bytes) -> None:
        json.loads(body)

    def xml_floor(body: bytes) -> None:
        schema.validate(etree.fromstring(body, parser))

    cases = []
    for name, body in connector_documents().items():
        cases.append((name, f"/models/{connector.pk}/validate", body, "application/json", json_floor, body))
    extensions = extensions_document(process_id)
    multipart, media = _multipart(
        {"file": ("p.bpmn20.xml", bytes(process.content)), "extensions": ("p-extensions.json", extensions)}
    )
    cases.append(
        (
            "extensions with broken variables",
            f"/models/{process.pk}/validate",
            multipart,
            media,
            json_floor,
            extensions,
        )
    )
    bpmn = bpmn_document(process_id)
    cases.append(
        ("BPMN of dangling flows", f"/models/{process.pk}/validate", bpmn, "application/xml", xml_floor, bpmn)
    )

    worst = 0.0
    with BenchServer(workers=2) as server:
        conn = server.connection()
        for name, path, body, media_type, floor, floor_body in cases:
            headers = {"Authorization": f"Token {token.key}", "Content-Type": media_type}
            target, floor_times, size, problems = [], [], 0, 0
            for round_ in range(ROUNDS + 1):
                start = time.perf_counter()
                conn.request("POST", f"/modeling-service/v1{path}", body, headers)
                response = conn.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - start
                if response.status != 400:
                    raise RuntimeError(f"{name}: expected 400, got {response.status}: {payload[:300]!r}")
                start = time.perf_counter()
                floor(floor_body)
                floor_elapsed = time.perf_counter() - start
                if round_:  # the first is warm-up
                    target.append(elapsed)
                    floor_times.append(floor_elapsed)
                size, problems = len(payload), len(json.loads(payload)["errors"])
            median, floor_median = statistics.median(target), statistics.median(floor_times)
            worst = max(worst, median)
            print(
                f"{name:<40} {len(body) / 2**20:4.2f} MiB: median {median * 1000:6.0f} ms, answer {size / 1024:5.1f} KiB "
                f"({problems} problems); floor {floor_median * 1000:5.0f} ms; ratio {median / floor_median:5.1f}"
            )
        conn.close()
    print(f"slowest worst case: {worst * 1000:.0f} ms (goal < 1 s: {'met' if worst < 1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
