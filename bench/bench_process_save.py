"""Saving a process through the API (10, 100, 1,000 and 10,000 service tasks), and opening the editor.

For each size it prints the median time of PUT /models/{id}/content (raw BPMN, token auth,
gunicorn on 127.0.0.1, PostgreSQL; every save is a real change: every task renamed, a new
version, the automatic mappings, the workspace files) and its ratio to two floors measured in the
same run. The diagram stays as it is (a rename), so its walk is reused from the save before; a
last line, "1000 moved", also moves every shape in each save (nothing reused). The floors:
- floor 1: bare lxml parse + XSD validation of the same bytes + json.dumps of the stored extensions;
- floor 2: floor 1 + one INSERT of the content into PostgreSQL (psycopg, autocommit, a bytea
  parameter sent as binary into a scratch table whose column has the compression of
  projects_model.content) + one write of the content to a file in a temp dir, fsync'd.
Goals at 1,000 tasks: ratio to floor 1 <= 3 and under 150 ms; ratio to floor 2 <= 1.5.

Then the time for the workspace page to open a 1,000-task process in headless Chromium at
1280×720 (navigation start to the diagram shown and the properties panel ready); goal under 1.5 s.

Run: .venv/bin/python bench/bench_process_save.py [--no-editor] [--sizes 1000,moved] [--rounds N]
(needs PostgreSQL at 127.0.0.1:5432; --sizes picks some of 10, 100, 1000, 10000, moved; --rounds
sets the measured saves of each size)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import HOST, BenchServer, setup_django  # noqa: E402

SIZES = (10, 100, 1_000, 10_000)
MOVED = "1000 moved"  # 1,000 tasks, every shape moved by each save too
ROUNDS = {10: 21, 100: 21, 1_000: 15, 10_000: 5}
CHROMIUM = "/usr/bin/chromium"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="model-bench" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def process_xml(process_id: str, tasks: int, label: str, shift: int = 0) -> bytes:
    """start → tasks service tasks in rows of 20 → end, each shape and edge with its diagram element
    (every task shape `shift` px to the right)."""
    nodes, flows, shapes = ['<bpmn2:startEvent id="Event_start" />'], [], []
    shapes.append(
        '<bpmndi:BPMNShape id="Event_start_di" bpmnElement="Event_start"><dc:Bounds x="50" y="80" width="36" height="36" /></bpmndi:BPMNShape>'
    )
    previous, px, py = "Event_start", 86, 98
    for n in range(tasks):
        x, y = 150 + shift + (n % 20) * 160, 60 + (n // 20) * 130
        nodes.append(
            f'<bpmn2:serviceTask id="Task_{n}" name="{label} {n}" implementation="movies.getMovieDesc" />'
        )
        flows.append(f'<bpmn2:sequenceFlow id="Flow_{n}" sourceRef="{previous}" targetRef="Task_{n}" />')
        shapes.append(
            f'<bpmndi:BPMNShape id="Task_{n}_di" bpmnElement="Task_{n}"><dc:Bounds x="{x}" y="{y}" width="100" height="80" /></bpmndi:BPMNShape>'
        )
        shapes.append(
            f'<bpmndi:BPMNEdge id="Flow_{n}_di" bpmnElement="Flow_{n}"><di:waypoint x="{px}" y="{py}" /><di:waypoint x="{x}" y="{y + 40}" /></bpmndi:BPMNEdge>'
        )
        previous, px, py = f"Task_{n}", x + 100, y + 40
    nodes.append('<bpmn2:endEvent id="Event_end" />')
    flows.append(f'<bpmn2:sequenceFlow id="Flow_end" sourceRef="{previous}" targetRef="Event_end" />')
    return (
        HEAD
        + f'<bpmn2:process id="{process_id}" name="bench" isExecutable="true">\n'
        + "\n".join(nodes + flows)
        + "\n</bpmn2:process>\n"
        + f'<bpmndi:BPMNDiagram id="BPMNDiagram_1"><bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{process_id}">\n'
        + "\n".join(shapes)
        + "\n</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n</bpmn2:definitions>\n"
    ).encode()


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    every = {str(size): size for size in SIZES} | {"moved": MOVED}
    parser = argparse.ArgumentParser(description="Process saves against their floors.")
    parser.add_argument("--no-editor", action="store_true", help="skip the editor's opening in Chromium")
    parser.add_argument(
        "--sizes",
        default=",".join(every),
        type=lambda names: [every[name] for name in names.split(",")],
        help=f"comma-separated, of {', '.join(every)}",
    )
    parser.add_argument("--rounds", type=int, default=None, help="measured saves of each size")
    return parser.parse_args(argv)


def main() -> int:
    arguments = _arguments()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from lxml import etree
    from rest_framework.authtoken.models import Token

    from modeler.roles import APS_MODELER
    from processes.bpmn import _schema_dir
    from projects import services
    from projects.models import Model, Project

    movies = json.dumps(
        {
            "name": "movies",
            "actions": {
                "a1": {
                    "id": "a1",
                    "name": "getMovieDesc",
                    "inputs": [{"id": "i1", "name": "movieName", "type": "string", "required": True}],
                    "outputs": [{"id": "o1", "name": "movieDescription", "type": "string"}],
                }
            },
        }
    ).encode()
    variables = {
        "v1": {"id": "v1", "name": "movieName", "type": "string", "required": True},
        "v2": {"id": "v2", "name": "movieDescription", "type": "string", "required": False},
    }
    user, _ = get_user_model().objects.get_or_create(username="bench-process")
    user.groups.add(Group.objects.get(name=APS_MODELER))
    token, _ = Token.objects.get_or_create(user=user)
    Project.objects.filter(owner=user, name="process-save").delete()
    project = services.project_create(actor=user, name="process-save")
    services.model_create(actor=user, project=project, type_name="CONNECTOR", name="movies", content=movies)

    # The floor: the same bytes through bare lxml (parser + the OMG schema loaded once) and json.dumps.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    schema = etree.XMLSchema(etree.parse(str(_schema_dir() / "BPMN20.xsd")))
    store = StoreFloor()

    results = {}
    with BenchServer(workers=2) as server:
        headers = {"Authorization": f"Token {token.key}", "Content-Type": "application/xml"}
        # Each size's saves rename every task (the diagram stays as it is: the diagram walk is
        # reused); "1000 moved" also moves every shape (nothing is reused).
        for size in arguments.sizes:
            tasks = 1_000 if size == MOVED else size
            model, _ = services.model_create(
                actor=user, project=project, type_name="PROCESS", name=f"tasks-{size}".replace(" ", "-")
            )
            process_id = next(iter(model.extensions))
            model.extensions[process_id]["properties"] = variables
            services.model_save_content(
                actor=user, model=model, content=bytes(model.content), extensions=model.extensions
            )
            shifts = (0, 40) if size == MOVED else (0, 0)
            bodies = [
                process_xml(process_id, tasks, label, shift)
                for label, shift in zip(("look up", "fetch"), shifts, strict=True)
            ]
            conn = server.connection()
            target, floor, floor2 = [], [], []
            for round_ in range((arguments.rounds or ROUNDS[tasks]) + 2):
                body = bodies[round_ % 2]
                start = time.perf_counter()
                conn.request("PUT", f"/modeling-service/v1/models/{model.pk}/content", body, headers)
                response = conn.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - start
                if response.status != 200:
                    raise RuntimeError(f"save of {size} tasks answered {response.status}: {payload[:300]!r}")
                extensions = json.loads(payload)["entry"]["extensions"]
                start = time.perf_counter()
                root = etree.fromstring(body, parser)
                assert schema.validate(root)
                json.dumps(extensions, ensure_ascii=False)
                floor_elapsed = time.perf_counter() - start
                store_elapsed = store.time(body)
                if round_ >= 2:  # the first two are warm-up
                    target.append(elapsed)
                    floor.append(floor_elapsed)
                    floor2.append(floor_elapsed + store_elapsed)
            conn.close()
            mappings = len(extensions[process_id]["mappings"])
            assert mappings == tasks, (mappings, tasks)
            results[size] = (median_ms(target), median_ms(floor), median_ms(floor2), len(bodies[0]))
        store.close()

        for size, (target_ms, floor_ms, floor2_ms, length) in results.items():
            ratio, ratio2 = target_ms / floor_ms, target_ms / floor2_ms
            goal = ""
            if size == 1_000:
                met = ratio <= 3 and target_ms < 150
                goal = (
                    f"  goals: floor 1 ratio <= 3 and < 150 ms {'met' if met else 'NOT met'}; "
                    f"floor 2 ratio <= 1.5 {'met' if ratio2 <= 1.5 else 'NOT met'}"
                )
            print(
                f"save {size:>6} tasks ({length / 1e6:5.2f} MB): median {target_ms:7.1f} ms; "
                f"floor 1 (lxml parse + XSD + json.dumps) {floor_ms:6.1f} ms, ratio {ratio:4.2f}; "
                f"floor 2 (+ INSERT + fsync'd write) {floor2_ms:6.1f} ms, ratio {ratio2:4.2f}{goal}"
            )

        if arguments.no_editor:
            return 0
        open_times = editor_open_times(server, user, Model.objects.get(project=project, name="tasks-1000"))
        if open_times:
            median_open = statistics.median(open_times)
            print(
                f"editor opens a 1000-task process in headless Chromium: median {median_open:.2f} s over "
                f"{len(open_times)} loads (goal < 1.5 s: {'met' if median_open < 1.5 else 'NOT met'})"
            )
    return 0


class StoreFloor:
    """The least a save must do to keep the bytes: one INSERT into PostgreSQL (its own connection,
    autocommit, the bytes as a binary parameter, a scratch table whose column is compressed like
    projects_model.content) and one file written and fsync'd in a temp dir."""

    def __init__(self) -> None:
        import psycopg
        from django.conf import settings

        db = settings.DATABASES["default"]
        self.conn = psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
        )
        compression = self.conn.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'projects_model'::regclass "
            "AND attname = 'content'"
        ).fetchone()[0]
        method = {"l": "lz4", "p": "pglz"}.get(compression, "default")
        self.conn.execute("DROP TABLE IF EXISTS bench_store_floor")
        self.conn.execute(
            f"CREATE TABLE bench_store_floor (id serial PRIMARY KEY, content bytea COMPRESSION {method})"
        )
        self.folder = tempfile.mkdtemp(prefix="bench-store-floor-")

    def time(self, content: bytes) -> float:
        start = time.perf_counter()
        self.conn.execute("INSERT INTO bench_store_floor (content) VALUES (%b)", [content])
        with open(os.path.join(self.folder, "content.xml"), "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        return time.perf_counter() - start

    def close(self) -> None:
        self.conn.execute("DROP TABLE bench_store_floor")
        self.conn.close()


def editor_open_times(server: BenchServer, user, model) -> list[float]:
    if not Path(CHROMIUM).exists():
        print(f"editor open time: skipped, {CHROMIUM} is missing (apt-get install -y chromium)")
        return []
    from playwright.sync_api import sync_playwright

    user.set_password("bench-process-password")
    user.save()
    cookie = server.login(user.username, "bench-process-password")
    session = next(part.split("=", 1)[1] for part in cookie.split("; ") if part.startswith("sessionid="))
    url = f"http://{HOST}:{server.port}/projects/{model.project_id}/processes/{model.pk}/"
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.add_cookies([{"name": "sessionid", "value": session, "domain": HOST, "path": "/"}])
        page = context.new_page()
        for attempt in range(4):
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-editor-ready]", timeout=60_000)
            page.wait_for_selector('[data-testid="properties-panel"] .bio-properties-panel-header')
            elapsed = time.perf_counter() - start
            shapes = page.evaluate(
                "window.modelerWorkspace.current.modeler.get('elementRegistry')"
                ".filter(e => e.type === 'bpmn:ServiceTask').length"
            )
            assert shapes == 1000, shapes
            if attempt:  # the first load warms the browser cache
                times.append(elapsed)
        browser.close()
    return times


if __name__ == "__main__":
    raise SystemExit(main())
