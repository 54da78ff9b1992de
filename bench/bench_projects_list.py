"""GET /modeling-service/v1/projects (50 visible projects, session auth) against two floors.

Floor 1: a bare DRF view returning the same JSON document, prepared in memory (framework cost only).
Floor 2: the same work with the bare libraries: guardian's get_objects_for_user, a DRF
ModelSerializer and a COUNT, under the same authentication.

Run: .venv/bin/python bench/bench_projects_list.py   (needs PostgreSQL at 127.0.0.1:5432)
Goal: throughput ratio floor/target <= 1.5.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BenchServer, compare, setup_django  # noqa: E402

USERNAME, PASSWORD = "bench-modeler", "bench-password-1"
GOAL = 1.5


def seed() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.test import APIClient

    from bench.floors import FLOOR_DIR
    from modeler.roles import APS_MODELER
    from projects import services
    from projects.models import Project

    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=APS_MODELER))
    other, _ = get_user_model().objects.get_or_create(username="bench-other")
    other.groups.add(Group.objects.get(name=APS_MODELER))
    for owner in (user, other):  # the other user's projects must be filtered out
        for n in range(50 - Project.objects.filter(owner=owner).count()):
            services.project_create(actor=owner, name=f"project-{n:03d}", description="benchmark")
    client = APIClient()
    client.force_login(user)
    document = client.get("/modeling-service/v1/projects", HTTP_HOST="127.0.0.1").json()
    assert document["list"]["pagination"]["totalItems"] == 50, document["list"]["pagination"]
    FLOOR_DIR.mkdir(parents=True, exist_ok=True)
    (FLOOR_DIR / "projects.json").write_text(json.dumps(document))


def main() -> int:
    setup_django()
    seed()
    with BenchServer() as server:
        cookie = server.login(USERNAME, PASSWORD)
        static = compare(
            server, target="/modeling-service/v1/projects", floor="/bench/floor/projects", cookie=cookie
        )
        libraries = compare(
            server,
            target="/modeling-service/v1/projects",
            floor="/bench/floor/projects-libraries",
            cookie=cookie,
        )
    print(
        static.report(
            "GET /modeling-service/v1/projects (50 projects) vs bare DRF view returning stored JSON"
        )
    )
    print(f"  goal ratio <= {GOAL}: {'met' if static.ratio <= GOAL else 'NOT met'}")
    print(
        libraries.report(
            "GET /modeling-service/v1/projects (50 projects) vs the same query with bare DRF+guardian"
        )
    )
    print(f"  goal ratio <= {GOAL}: {'met' if libraries.ratio <= GOAL else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
