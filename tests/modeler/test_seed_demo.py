"""`manage.py seed_demo`: the demo accounts and the demo project, whose process runs as soon as the
server starts (the embedded worker serves the movies connector itself on memory://)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from projects.models import Model, Project
from runs import worker
from tests.runs.conftest import post_run, wait_for_run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_runs(settings, monkeypatch):
    """What `bin/serve` has: the embedded worker on memory:// serving the demo connector module."""
    monkeypatch.delenv("MODELER_BROKER_URL", raising=False)
    monkeypatch.delenv("MODELER_RUN_WORKER", raising=False)
    monkeypatch.delenv("MOVIES_API_KEY", raising=False)
    settings.MODELER_RUNS = {"broker_url": "memory://", "worker": "embedded", "step_timeout": 5.0}
    yield
    worker.shutdown(wait=True)


def test_the_demo_process_runs_with_the_seeded_connector(demo_runs):
    call_command("seed_demo", stdout=io.StringIO())
    project = Project.objects.get(name="demo-movies", owner__username="modeler")
    process = Model.objects.get(project=project, type="PROCESS", name="rank-movie")
    assert process.problems == []
    [entry] = process.extensions.values()
    assert entry["mappings"]["Task_lookUp"] == {
        "inputs": {"movieName": {"type": "variable", "value": "movieName"}},
        "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
    }  # mapped automatically: the variables have the action's parameter names

    client = APIClient()
    client.force_authenticate(project.owner)
    response = post_run(client, process, {"variables": {"movieName": "Alien"}})
    assert response.status_code == 202, response.content[:300]
    run = wait_for_run(client, response.json()["entry"]["id"])
    assert run["state"] == "COMPLETED", run["error"]
    assert run["variables"]["movieDescription"].startswith("Alien (1979)")
    assert [t["elementId"] for t in run["trace"] if t["event"] == "entered"] == [
        "Event_start",
        "Task_lookUp",
        "Event_end",
    ]

    refused = post_run(client, process, {"variables": {}})
    assert refused.status_code == 400
    assert "the required variable 'movieName' has no value" in refused.json()["message"]


def test_seeding_twice_keeps_the_project():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert Project.objects.filter(name="demo-movies").count() == 1
    assert Model.objects.filter(project__name="demo-movies").count() == 2
