"""Time per service task of a test run vs the SDK's sequential round trip, over RabbitMQ (or memory://).

A process start → 100 service tasks `<connector>.getMovieDesc` in a chain → end, with the
automatic mapping of every task (process variables `movieName` in, `movieDescription` out), is
saved through the models service and run through the real path of a test run: `run_start`, then
`run_claim` and `run_execute` (SpiffWorkflow, the broker transport, the recorder's writes to the
Run row on PostgreSQL), the way a worker thread runs it. The demo `movies` connector (under a
unique name, so no other consumer of `movies.getMovieDesc` on the broker sees the requests) is
served by the SDK's `connector run` command in its own process.

The floor, measured in the same run against the same connector process: one request at a time,
as a chain sends them — publish the same IntegrationRequest body a run sends, wait for its
answer, repeat — with a bare kombu client (no database, no engine). Rounds alternate floor and
run; medians are printed. Goal: time per service task <= 2x the floor's round trip (the engine
and the recorder cost at most one broker round trip per task).

    .venv/bin/python bench/bench_runs.py                  # RabbitMQ at 127.0.0.1:5672, PostgreSQL modeler_bench
    .venv/bin/python bench/bench_runs.py --memory         # the connector on a thread over memory://
    .venv/bin/python bench/bench_runs.py --tasks 20 --rounds 3

Loopback only; every wait is bounded; the broker objects it declares, and the project it saves,
are deleted at the end.
`measure` is also driven by tests/bench/test_bench_runs.py with a tiny chain (no timings asserted).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "examples")]

from kombu import Connection, Consumer, Exchange, Producer, Queue  # noqa: E402
from modeler_connector.messages import CONTENT_TYPE, new_request  # noqa: E402

BROKER = "amqp://guest:guest@127.0.0.1:5672//"
GOAL = 2.0
MOVIE = "Alien"
GROUP = "bench"
DEFINITION = ROOT / "examples" / "movies_connector" / "movies.json"


def _is_amqp(url: str) -> bool:
    return url.startswith(("amqp://", "amqps://", "pyamqp://"))


# --- the process --------------------------------------------------------------------------------


def chain_process(connector: str, tasks: int) -> tuple[bytes, dict]:
    """BPMN of start → `tasks` service tasks `<connector>.getMovieDesc` → end, and its extensions
    (the two variables, each task mapped by `processes.mapping.automatic_rows`)."""
    from processes.mapping import action_from_entry, automatic_rows

    definition = json.loads(DEFINITION.read_text())
    (action,) = definition["actions"].values()
    implementation = f"{connector}.{action['name']}"
    catalog_entry = {
        "implementation": implementation,
        "inputs": action["inputs"],
        "outputs": action["outputs"],
    }
    rows = automatic_rows(action_from_entry(catalog_entry), {"movieName", "movieDescription"})
    elements = ['<bpmn2:startEvent id="Start_1"/>']
    previous = "Start_1"
    for index in range(1, tasks + 1):
        task = f"Task_{index}"
        elements.append(
            f'<bpmn2:serviceTask id="{task}" name="look up {index}" implementation="{implementation}"/>'
        )
        elements.append(f'<bpmn2:sequenceFlow id="Flow_{index}" sourceRef="{previous}" targetRef="{task}"/>')
        previous = task
    elements.append('<bpmn2:endEvent id="End_1"/>')
    elements.append(f'<bpmn2:sequenceFlow id="Flow_end" sourceRef="{previous}" targetRef="End_1"/>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'id="bench-chain" targetNamespace="http://bpmn.io/schema/bpmn">\n'
        '<bpmn2:process id="Process_chain" name="chain" isExecutable="true">\n'
        + "\n".join(elements)
        + "\n</bpmn2:process>\n</bpmn2:definitions>\n"
    ).encode()
    variables = [
        {"id": "var-movieName", "name": "movieName", "type": "string", "required": True},
        {"id": "var-movieDescription", "name": "movieDescription", "type": "string", "required": False},
    ]
    extensions = {
        "Process_chain": {
            "properties": {v["id"]: v for v in variables},
            "mappings": {f"Task_{index}": rows for index in range(1, tasks + 1)},
            "constants": {},
        }
    }
    return content, extensions


# --- the connector ------------------------------------------------------------------------------


@contextlib.contextmanager
def served_connector(url: str, name: str) -> Iterator[None]:
    """The demo movies connector named `name`: `connector run` in its own process over amqp, the
    SDK's Worker on a thread over memory:// (in-process transport)."""
    definition = json.loads(DEFINITION.read_text()) | {"name": name}
    env = {"MOVIES_API_KEY": "bench"}
    if not _is_amqp(url):
        import movies_connector
        from modeler_connector.config import load_config
        from modeler_connector.connector import Connector
        from modeler_connector.worker import Worker, WorkerOptions, run_in_thread, stop_thread

        connector = Connector(definition)
        connector.handlers = dict(movies_connector.connector.handlers)
        worker = Worker(
            connector, load_config(connector.check(), env), WorkerOptions(broker_url=url, group=GROUP)
        )
        thread = run_in_thread(worker, 30)
        try:
            yield
        finally:
            stop_thread(worker, thread, 30)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "definition.json"
        path.write_text(json.dumps(definition))
        child_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        process = subprocess.Popen(
            [sys.executable, "-m", "modeler_connector.cli", "run", "--module", "movies_connector",
             "--definition", str(path), "--broker", url, "--group", GROUP,
             "--health-host", "127.0.0.1", "--health-port", "0"],
            env=child_env | env | {"PYTHONPATH": str(ROOT / "examples")},
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            for line in process.stderr:
                lines.append(line)
                if '"consuming"' in line:
                    ready.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            if not ready.wait(30):
                raise TimeoutError("the connector did not start consuming: " + "".join(lines)[-2000:])
            yield
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            reader.join(5)


def cleanup(url: str, name: str) -> None:
    """Delete the connector's queues and exchanges (the runs and the floor delete their own)."""
    if not _is_amqp(url):
        return
    destination = f"{name}.getMovieDesc"
    with Connection(url, connect_timeout=5) as connection:
        channel = connection.channel()
        for queue in (f"{destination}.{GROUP}", f"{destination}.{GROUP}.dlq"):
            with contextlib.suppress(Exception):
                channel.queue_delete(queue)
        with contextlib.suppress(Exception):
            channel.exchange_delete(destination)


# --- the floor: sequential round trips with a bare kombu client ----------------------------------


def floor_round(url: str, destination: str, count: int, timeout: float) -> float:
    """Seconds for `count` round trips, one at a time, of the request body a run sends."""
    key = uuid.uuid4().hex[:12]
    result, error = f"integrationResult_bench-floor-{key}", f"integrationError_bench-floor-{key}"
    options = {} if _is_amqp(url) else {"polling_interval": 0.001}
    answered: list[str] = []
    with Connection(url, connect_timeout=5, transport_options=options) as connection:
        channel = connection.channel()
        producer = Producer(channel, auto_declare=False)
        Exchange(destination, "topic", durable=True)(channel).declare()
        queues = []
        for name in (result, error):
            queue = Queue(
                f"{name}.floor", Exchange(name, "topic", durable=True), routing_key="#", auto_delete=True
            )(channel)
            queue.declare()
            queues.append(queue)
        consumer = Consumer(
            channel,
            queues,
            on_message=lambda message: answered.append(message.headers.get("integrationContextId", "")),
            no_ack=True,
            auto_declare=False,
        )
        consumer.consume()
        try:
            deadline = time.monotonic() + timeout
            started = time.perf_counter()
            for index in range(count):
                request_id = f"floor-{key}-{index}"
                body, headers = new_request(
                    destination,
                    {"movieName": MOVIE},
                    result_destination=result,
                    error_destination=error,
                    request_id=request_id,
                    service_name="modeler-test-run",
                )
                producer.publish(
                    json.dumps(body).encode(),
                    exchange=destination,
                    routing_key=destination,
                    content_type=CONTENT_TYPE,
                    content_encoding="utf-8",
                    headers=headers,
                    delivery_mode=2,
                )
                while not answered:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{index}/{count} answers within {timeout} s")
                    with contextlib.suppress(TimeoutError):
                        connection.drain_events(timeout=1)
                if answered.pop() != request_id:
                    raise RuntimeError("an answer to another request came back")
            return time.perf_counter() - started
        finally:
            consumer.cancel()
            for name in (result, error):
                with contextlib.suppress(Exception):
                    channel.queue_delete(f"{name}.floor")
                with contextlib.suppress(Exception):
                    channel.exchange_delete(name)


# --- the run ------------------------------------------------------------------------------------


def saved_chain(connector: str, tasks: int, actor=None):
    """The chain process saved through the models service in a new project of `actor` (made when None)."""
    from django.contrib.auth import get_user_model

    from projects import services

    if actor is None:
        actor, _ = get_user_model().objects.get_or_create(username="bench-runs")
    project = services.project_create(actor=actor, name=f"bench-runs-{uuid.uuid4().hex[:8]}")
    described = json.loads(DEFINITION.read_text()) | {"name": connector}  # a run calls the project's actions
    services.model_create(
        actor=actor,
        project=project,
        type_name="CONNECTOR",
        name=connector,
        content=json.dumps(described).encode(),
    )
    content, extensions = chain_process(connector, tasks)
    model, _ = services.model_create(actor=actor, project=project, type_name="PROCESS", name="chain")
    model, _ = services.model_save_content(actor=actor, model=model, content=content, extensions=extensions)
    return actor, model


def run_round(url: str, actor, model, tasks: int, timeout: float) -> tuple[float, dict]:
    """Seconds from the worker's claim to the run's final write; the finished run's outcome."""
    from django.test import override_settings

    from runs import services

    limits = {"broker_url": url, "worker": "external", "max_timeout": timeout, "memory_connectors": ()}
    with override_settings(MODELER_RUNS=limits):
        run = services.run_start(
            actor=actor, model=model, variables={"movieName": MOVIE}, timeout_seconds=timeout
        )
        started = time.perf_counter()
        claimed = services.run_claim(run.pk)
        if claimed is None:
            raise RuntimeError(f"run {run.pk} could not be claimed")
        finished = services.run_execute(claimed)
        seconds = time.perf_counter() - started
    outcome = {
        "state": finished.state,
        "error": finished.error,
        "requests": len(finished.service_tasks),
        "answered": sum(1 for task in finished.service_tasks if task["result"] is not None),
        "trace": len(finished.trace),
        "variables": finished.variables,
    }
    if finished.state != "COMPLETED" or outcome["answered"] != tasks:
        raise RuntimeError(f"the run did not complete every task: {outcome}")
    return seconds, outcome


# --- the measure --------------------------------------------------------------------------------


@dataclass
class Measure:
    tasks: int
    run_seconds: list[float] = field(default_factory=list)
    floor_seconds: list[float] = field(default_factory=list)
    outcome: dict = field(default_factory=dict)

    @property
    def per_task(self) -> float:
        return statistics.median(self.run_seconds) / self.tasks

    @property
    def floor(self) -> float:
        return statistics.median(self.floor_seconds) / self.tasks

    @property
    def ratio(self) -> float:
        return self.per_task / self.floor

    def report(self) -> str:
        rounds = len(self.run_seconds)
        runs = " ".join(f"{s / self.tasks * 1000:.2f}" for s in self.run_seconds)
        floors = " ".join(f"{s / self.tasks * 1000:.2f}" for s in self.floor_seconds)
        return (
            f"run, per service task     {self.per_task * 1000:7.2f} ms   (median of {rounds}: {runs})\n"
            f"SDK round trip (floor)    {self.floor * 1000:7.2f} ms   (median of {rounds}: {floors})\n"
            f"ratio run/floor: {self.ratio:.2f} (goal <= {GOAL}) {'OK' if self.ratio <= GOAL else 'ABOVE GOAL'}"
        )


def measure(url: str, *, tasks: int, rounds: int, timeout: float = 120.0, actor=None) -> Measure:
    """Warm up once, then `rounds` of (floor, run) alternating, against one connector process."""
    name = f"bench-{uuid.uuid4().hex[:8]}"
    destination = f"{name}.getMovieDesc"
    actor, model = saved_chain(name, tasks, actor)
    result = Measure(tasks)
    try:
        with served_connector(url, name):
            floor_round(url, destination, tasks, timeout)  # warm-up: connections, declarations, caches
            run_round(url, actor, model, tasks, timeout)
            for _ in range(rounds):
                result.floor_seconds.append(floor_round(url, destination, tasks, timeout))
                seconds, result.outcome = run_round(url, actor, model, tasks, timeout)
                result.run_seconds.append(seconds)
    finally:
        cleanup(url, name)
        from projects import services

        services.project_delete(actor=actor, project=model.project)  # its model and runs go with it
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", default=BROKER)
    parser.add_argument("--memory", action="store_true", help="the connector on a thread over memory://")
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120.0, help="bound of each round, seconds")
    args = parser.parse_args()
    url = "memory://" if args.memory else args.broker
    from bench.harness import setup_django

    setup_django()
    from django.conf import settings

    database = settings.DATABASES["default"]
    print(
        f"a chain of {args.tasks} service tasks, {args.rounds} rounds, over {url.split('@')[-1]}, "
        f"database {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('NAME')}"
    )
    result = measure(url, tasks=args.tasks, rounds=args.rounds, timeout=args.timeout)
    print(result.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
