"""Test runs over the real RabbitMQ with the demo connector in its own process (`connector run`).

Skipped without a broker on loopback, unless MODELER_REQUIRE_BROKER=1 (CI), where they fail (the
broker fixture of the SDK tests). Each test uses its own consumer group, deletes its queues, and
stops the connector process it starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from kombu import Connection

from tests.runs import processes as p
from tests.runs.conftest import post_run, wait_for_run
from tests.sdk.conftest import ROOT, broker_url  # noqa: F401 - the broker fixture (skip/require)

API = "/modeling-service/v1"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("runs_embedded")]


@pytest.fixture
def movies_process(broker_url):  # noqa: F811
    """The demo movies connector served by `connector run` in a subprocess; stopped and its queues deleted."""
    group = f"run{uuid.uuid4().hex[:10]}"
    command = [
        sys.executable, "-m", "modeler_connector.cli", "run",
        "--module", "examples.movies_connector",
        "--broker", broker_url, "--group", group,
        "--health-host", "127.0.0.1", "--health-port", "0",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"PYTHONPATH": str(ROOT), "MOVIES_API_KEY": "test-key"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line)
            with contextlib.suppress(ValueError):
                if json.loads(line).get("message") == "consuming":
                    ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(20), "the movies connector did not start consuming: " + "".join(lines)[-2000:]
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        reader.join(5)
        with Connection(broker_url) as connection:
            channel = connection.channel()
            for name in (f"movies.getMovieDesc.{group}", f"movies.getMovieDesc.{group}.dlq"):
                with contextlib.suppress(Exception):
                    channel.queue_delete(name)


@pytest.fixture
def on_rabbitmq(runs_embedded, broker_url):  # noqa: F811
    runs_embedded.MODELER_RUNS = runs_embedded.MODELER_RUNS | {"broker_url": broker_url}


@pytest.mark.usefixtures("on_rabbitmq", "movies_process")
def test_the_seed_flow_completes_over_rabbitmq(owner_api, save_process):
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    response = owner_api.post(
        f"{API}/models/{model.pk}/runs", {"variables": {"movieName": "Vertigo"}}, format="json"
    )
    assert response.status_code == 202, response.content[:300]
    started = time.monotonic()
    run = wait_for_run(owner_api, response.json()["entry"]["id"], timeout=30)
    assert run["state"] == "COMPLETED", run["error"]
    assert run["variables"]["movieDescription"].startswith("Vertigo (1958): a detective")
    assert run["serviceTasks"][0]["inBoundVariables"] == {"movieName": "Vertigo"}
    assert time.monotonic() - started < 10


@pytest.mark.usefixtures("runs_embedded")
def test_the_broker_down_at_start_fails_the_run_at_once(owner_api, save_process, settings):
    settings.MODELER_RUNS = settings.MODELER_RUNS | {"broker_url": "amqp://guest:guest@127.0.0.1:1//"}
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    response = owner_api.post(
        f"{API}/models/{model.pk}/runs", {"variables": {"movieName": "x"}}, format="json"
    )
    assert response.status_code == 202
    run = wait_for_run(owner_api, response.json()["entry"]["id"], timeout=20)
    assert run["state"] == "FAILED"
    assert run["error"]["message"].startswith("the broker cannot be reached: ")
    assert run["trace"] == []


@pytest.fixture
def films_on_rabbitmq(broker_url):  # noqa: F811
    """The films test connector served by the SDK's Worker over RabbitMQ on a thread; queues deleted after."""
    from modeler_connector.config import load_config
    from modeler_connector.worker import Worker, WorkerOptions, layout, run_in_thread, stop_thread

    from tests.runs import films_connector

    name = f"films{uuid.uuid4().hex[:8]}"
    connector = films_connector.build(name)
    definition = connector.check()
    group = f"run{uuid.uuid4().hex[:10]}"
    worker = Worker(connector, load_config(definition, {}), WorkerOptions(broker_url=broker_url, group=group))
    thread = run_in_thread(worker, timeout=20)
    try:
        yield name
    finally:
        stop_thread(worker, thread, timeout=20)
        with Connection(broker_url) as connection:
            channel = connection.channel()
            for action in definition.actions:
                exchange, queue, dlq = layout(definition.destination(action), group)
                for queue_name in (queue, dlq):
                    with contextlib.suppress(Exception):
                        channel.queue_delete(queue_name)
                with contextlib.suppress(Exception):
                    channel.exchange_delete(exchange)


@pytest.mark.usefixtures("on_rabbitmq")
def test_gateway_caught_error_and_three_runs_at_once_over_rabbitmq(
    owner_api, save_process, films_on_rabbitmq
):
    content = p.ROUTED.replace(b'implementation="films.', f'implementation="{films_on_rabbitmq}.'.encode())
    model = save_process(content, p.ROUTED_EXTENSIONS)
    ids = {}
    for title in ("Alien", "Cats", "Nope"):
        response = post_run(owner_api, model, {"variables": {"title": title}})
        assert response.status_code == 202, response.content[:300]
        ids[title] = response.json()["entry"]["id"]
    runs = {title: wait_for_run(owner_api, run_id, timeout=30) for title, run_id in ids.items()}
    assert {title: run["state"] for title, run in runs.items()} == dict.fromkeys(ids, "COMPLETED")
    assert runs["Alien"]["variables"] == {"title": "Alien", "rating": 9, "verdict": "Alien: see it"}
    assert runs["Cats"]["variables"] == {"title": "Cats", "rating": 3, "verdict": "Cats: skip it"}
    assert runs["Nope"]["variables"] == {
        "title": "Nope",
        "rating": None,
        "verdict": "Nope: not in the catalogue",
    }
    assert runs["Nope"]["serviceTasks"][0]["error"]["errorCode"] == "NOT_FOUND"


@pytest.mark.usefixtures("on_rabbitmq")
def test_a_destination_nobody_consumes_fails_after_the_step_limit_over_rabbitmq(
    owner_api,
    save_process,
    broker_url,  # noqa: F811
):
    destination = f"nobody{uuid.uuid4().hex[:8]}.listens"
    content = p.SEED.replace(b"movies.getMovieDesc", destination.encode())
    model = save_process(content, p.SEED_EXTENSIONS)
    try:
        response = owner_api.post(
            f"{API}/models/{model.pk}/runs",
            {"variables": {"movieName": "Alien"}, "stepTimeoutSeconds": 0.5},
            format="json",
        )
        run = wait_for_run(owner_api, response.json()["entry"]["id"], timeout=20)
        assert run["state"] == "FAILED"
        assert run["error"] == {
            "message": f"no connector answered on the destination '{destination}' within 0.5 s",
            "elementId": "Task_1",
        }
    finally:
        with Connection(broker_url) as connection, contextlib.suppress(Exception):
            connection.channel().exchange_delete(destination)
