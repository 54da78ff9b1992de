"""GET /projects/{id}/implementations for 1,000 connectors × 10 actions (5 inputs, 5 outputs each).

Prints the median time of the endpoint (full Django request stack, session auth, PostgreSQL) and
its ratio to the floor: json.dumps of the same list from Python objects already in memory,
measured in the same run. Also the median time of saving one connector in that project.
Goals: catalog under 100 ms with ratio <= 5; one connector save under 50 ms.

Run: .venv/bin/python bench/bench_implementations.py   (needs PostgreSQL at 127.0.0.1:5432)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import setup_django  # noqa: E402

CONNECTORS, ACTIONS, PARAMS = 1000, 10, 5
ROUNDS = 15


def connector_document(index: int, description: str = "") -> dict:
    def params(prefix, action):
        return [
            {"id": f"{prefix}{action}-{p}", "name": f"{prefix}{p}", "type": "string", "required": p == 0}
            for p in range(PARAMS)
        ]

    actions = {
        f"c{index}-a{a}": {
            "id": f"c{index}-a{a}",
            "name": f"action{a}",
            "inputs": params("in", a),
            "outputs": params("out", a),
        }
        for a in range(ACTIONS)
    }
    return {
        "id": f"connector-{index}",
        "name": f"connector-{index:04d}",
        "description": description,
        "actions": actions,
    }


def median_ms(function, rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import override_settings

    from modeler.roles import APS_MODELER
    from projects import services
    from projects.models import Model, Project

    user, _ = get_user_model().objects.get_or_create(username="bench-catalog")
    user.groups.add(Group.objects.get(name=APS_MODELER))
    project = Project.objects.filter(owner=user, name="catalog-1000").first()
    if project is None:
        project = services.project_create(actor=user, name="catalog-1000")
    existing = Model.objects.filter(project=project).count()
    started = time.perf_counter()
    for index in range(existing, CONNECTORS):
        services.model_create(
            actor=user,
            project=project,
            type_name="CONNECTOR",
            name="x",
            content=json.dumps(connector_document(index)).encode(),
        )
    if existing < CONNECTORS:
        print(f"seeded {CONNECTORS - existing} connectors in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(user)
    url = f"/modeling-service/v1/projects/{project.pk}/implementations"
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        body = client.get(url).content
        document = json.loads(body)
        assert document["list"]["pagination"]["totalItems"] == CONNECTORS * ACTIONS
        in_memory = document["list"]["entries"]  # the same list, already Python objects

        for _ in range(3):  # warm-up
            client.get(url)
        target = median_ms(lambda: client.get(url))
        floor = median_ms(lambda: json.dumps(in_memory))

        model = Model.objects.get(project=project, name="connector-0000")
        counter = iter(range(10_000))

        def save_one():
            content = json.dumps(connector_document(0, description=f"edit {next(counter)}")).encode()
            response = client.generic(
                "PUT",
                f"/modeling-service/v1/models/{model.pk}/content",
                content,
                content_type="application/json",
            )
            assert response.status_code == 200, response.content[:200]

        save = median_ms(save_one)

    print(
        f"GET implementations ({CONNECTORS} connectors x {ACTIONS} actions, {len(body) / 1e6:.1f} MB): "
        f"median {target:.1f} ms; floor json.dumps {floor:.1f} ms; ratio {target / floor:.2f} "
        f"(goal < 100 ms and <= 5: {'met' if target < 100 and target / floor <= 5 else 'NOT met'})"
    )
    print(
        f"save one connector in that project: median {save:.1f} ms (goal < 50 ms: {'met' if save < 50 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
