"""Fixtures of the run tests: connectors served by the SDK over memory:// on threads, the embedded
worker stopped after each test, and processes saved through the models service."""

from __future__ import annotations

import time
import uuid

import pytest
from modeler_connector.config import load_config
from modeler_connector.worker import Worker, WorkerOptions, run_in_thread, stop_thread

from projects import services
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
    def save(content: bytes, extensions: dict, name: str | None = None):
        model, _ = services.model_create(
            actor=owner, project=project, type_name="PROCESS", name=name or f"p{uuid.uuid4().hex[:8]}"
        )
        model, _ = services.model_save_content(
            actor=owner, model=model, content=content, extensions=extensions
        )
        return model

    return save


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
