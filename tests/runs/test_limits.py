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
