"""Fixtures of the run tests: connectors served by the SDK over memory:// on threads, the embedded
worker stopped after each test, and processes saved through the models service."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
from modeler_connector.config import load_config
from modeler_connector.worker import Worker, WorkerOptions, run_in_thread, stop_thread

from projects import services
from projects.models import Model
from runs import worker
from tests.runs import films_connector

RUN_END = ("COMPLETED", "FAILED", "TIMED_OUT")


@pytest.fixture
def runs_embedded(settings, monkeypatch):
    """Runs on memory://, executed by the embedded worker (stopped, waiting, after the test)."""
    monkeypatch.delenv("MODELER_BROKER_URL", raising=False)
    monkeypatch.delenv("MODELER_RUN_WORKER", raising=False)
    settings.MODELER_RUNS = {
        "broker_url": "memory://",
        "worker": "embedded",
        "step_timeout": 5.0,
        "memory_connectors": (),  # the tests serve their connectors themselves
    }
    yield settings
    worker.shutdown(wait=True)


@pytest.fixture
def memory_connectors():
    """The demo movies connector and the films test connector, served on memory:// threads."""
    from examples.movies_connector import connector as movies

    started = []
    for connector, env in ((movies, {"MOVIES_API_KEY": "test-key"}), (films_connector.build(), {})):
        definition = connector.check()
        running = Worker(connector, load_config(definition, env), WorkerOptions(broker_url="memory://"))
        started.append((running, run_in_thread(running, timeout=10)))
    yield
    for running, thread in started:
        stop_thread(running, thread, timeout=10)


@pytest.fixture
def save_process(owner, project):
    """Saves a process through the models service, after describing in the project every connector
    its service tasks call (a run only calls actions of the project's connectors)."""

    def save(content: bytes, extensions: dict, name: str | None = None):
        describe_connectors(owner, project, content)
        model, _ = services.model_create(
            actor=owner, project=project, type_name="PROCESS", name=name or f"p{uuid.uuid4().hex[:8]}"
        )
        model, _ = services.model_save_content(
            actor=owner, model=model, content=content, extensions=extensions
        )
        return model

    return save


def connector_definition(name: str, actions: set[str]) -> dict:
    """The project's description of connector `name`: the demo movies connector, the films test
    connector (under any name starting with films), or one with the named actions and no parameters."""
    if name == "movies":
        from modeler.management.commands.seed_demo import DEMO_CONNECTOR

        return DEMO_CONNECTOR
    if name.startswith("films"):
        return films_connector.definition(name)
    return {
        "id": f"connector-{uuid.uuid4()}",
        "name": name,
        "actions": {
            action: {"id": action, "name": action, "inputs": [], "outputs": []} for action in actions
        },
    }


def describe_connectors(owner, project, content: bytes) -> None:
    """A connector model in the project for every connector named by `content`'s implementations."""
    wanted: dict[str, set[str]] = {}
    for implementation in re.findall(rb'implementation="([^".#]+)\.([^"]+)"', content):
        connector, action = (part.decode() for part in implementation)
        wanted.setdefault(connector, set()).add(action)
    described = set(Model.objects.filter(project=project, type="CONNECTOR").values_list("name", flat=True))
    for connector, actions in wanted.items():
        if connector not in described:
            services.model_create(
                actor=owner,
                project=project,
                type_name="CONNECTOR",
                name=connector,
                content=json.dumps(connector_definition(connector, actions)).encode(),
            )


def wait_for_run(client, run_id: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        response = client.get(f"/modeling-service/v1/runs/{run_id}")
        if response.status_code == 503:  # the test database (shared-cache SQLite) was locked by a run
            time.sleep(0.05)
            continue
        assert response.status_code == 200, response.content[:300]
        body = response.json()["entry"]
        if body["state"] in RUN_END:
            return body
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still RUNNING after {timeout} s: {body}")


def post_run(client, model, body: dict, attempts: int = 100):
    """POST /models/{id}/runs; retried while the test database is locked by a running run's write
    (shared-cache in-memory SQLite does not wait for a lock; a file database or PostgreSQL does)."""
    for _ in range(attempts):
        response = client.post(f"/modeling-service/v1/models/{model.pk}/runs", body, format="json")
        if response.status_code != 503:
            return response
        time.sleep(0.05)
    return response
