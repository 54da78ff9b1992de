"""A user's runs in progress are limited (MODELER_RUNS max_running_per_user): one user's
never-answering runs cannot take every thread of the worker from everyone else."""

from __future__ import annotations

import pytest

from runs.models import Run
from tests.runs import processes as p
from tests.runs.conftest import post_run, wait_for_run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("runs_embedded")]
UNANSWERED = {"variables": {"movieName": "Alien"}, "stepTimeoutSeconds": 3}  # no connector is served


def test_a_user_over_the_limit_is_refused_and_others_still_run(
    owner_api, api_as, collaborator, save_process, settings
):
    settings.MODELER_RUNS = settings.MODELER_RUNS | {"max_running_per_user": 2}
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    first, second = (post_run(owner_api, model, UNANSWERED) for _ in range(2))
    assert first.status_code == second.status_code == 202

    refused = post_run(owner_api, model, UNANSWERED)
    assert refused.status_code == 429
    body = refused.json()
    assert body["status"] == 429 and body["errorCode"] == "too_many_runs"
    assert body["message"].startswith("You have 2 test runs in progress, the most one user may have at once")
    assert Run.objects.count() == 2  # nothing stored for the refused start

    other = post_run(api_as(collaborator), model, UNANSWERED)  # a collaborator is not held up
    assert other.status_code == 202, other.content[:300]

    for started in (first, second):
        assert wait_for_run(owner_api, started.json()["entry"]["id"])["state"] == "FAILED"
    again = post_run(owner_api, model, UNANSWERED)  # runs ended: the owner may start again
    assert again.status_code == 202, again.content[:300]
    assert Run.objects.filter(created_by="olivia").count() == 3


def test_everyone_together_is_held_to_the_workers_threads(
    owner_api, api_as, collaborator, save_process, settings
):
    settings.MODELER_RUNS = settings.MODELER_RUNS | {"max_running_per_user": 2, "max_running": 3}
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    carl = api_as(collaborator)
    started = [post_run(owner_api, model, UNANSWERED), post_run(owner_api, model, UNANSWERED)]
    started.append(post_run(carl, model, UNANSWERED))
    assert [response.status_code for response in started] == [202, 202, 202]
    busy = post_run(carl, model, UNANSWERED)  # carl has one run, but every thread is taken
    assert busy.status_code == 429
    assert busy.json()["errorCode"] == "runs_busy"
    assert busy.json()["message"] == "The test-run workers are busy with 3 runs: start again in a moment"
    assert Run.objects.count() == 3
    for response in started:
        wait_for_run(owner_api, response.json()["entry"]["id"])
    assert post_run(carl, model, UNANSWERED).status_code == 202


def test_a_run_the_stopping_worker_cannot_take_fails_at_once(owner_api, save_process, monkeypatch):
    from runs import worker

    def stopped(run_id):
        raise RuntimeError("cannot schedule new futures after shutdown")

    monkeypatch.setattr(worker, "submit", stopped)
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    response = post_run(owner_api, model, UNANSWERED)
    assert response.status_code == 202
    run = Run.objects.get(pk=response.json()["entry"]["id"])
    assert run.state == "FAILED"
    assert run.error == "the server was stopping and did not start the run: start it again"
    assert post_run(owner_api, model, UNANSWERED).status_code == 202  # it does not count as in progress
