"""The runs API end to end: runs started over HTTP, executed by the embedded worker, against
connectors written with the SDK and served over memory:// on threads."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from runs.models import Run
from tests.runs import processes as p
from tests.runs.conftest import post_run, wait_for_run

API = "/modeling-service/v1"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("runs_embedded")]


def start(client, model, variables, **limits):
    response = post_run(client, model, {"variables": variables, **limits})
    assert response.status_code == 202, response.content[:500]
    body = response.json()["entry"]
    assert body["state"] == "RUNNING"
    return body


@pytest.mark.usefixtures("memory_connectors")
def test_the_seed_flow_completes_with_the_movie_description(owner_api, save_process):
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    run = wait_for_run(owner_api, start(owner_api, model, {"movieName": "Alien"})["id"])
    assert run["state"] == "COMPLETED", run["error"]
    assert run["variables"] == {
        "movieName": "Alien",
        "movieDescription": "Alien (1979): the crew of the Nostromo answers a distress call and meets "
        "the perfect organism.",
    }
    [task] = run["serviceTasks"]
    assert task["elementId"] == "Task_1" and task["destination"] == "movies.getMovieDesc"
    assert task["inBoundVariables"] == {"movieName": "Alien"}
    assert task["result"]["outBoundVariables"]["movieDescription"].startswith("Alien (1979)")
    assert task["error"] is None
    assert [(t["event"], t["elementId"]) for t in run["trace"]] == [
        ("entered", "StartEvent_1"), ("left", "StartEvent_1"),
        ("entered", "Task_1"), ("left", "Task_1"),
        ("entered", "EndEvent_1"), ("left", "EndEvent_1"),
    ]  # fmt: skip
    assert all(t["time"].endswith("Z") for t in run["trace"])
    assert run["modelVersion"] == "0.0.2" and run["error"] is None


@pytest.mark.usefixtures("memory_connectors")
def test_literal_expression_and_constant_inputs(owner_api, save_process):
    content = p.bpmn(
        '<bpmn2:startEvent id="S"/>'
        + p.service("Task_echo", "films.echo")
        + '<bpmn2:endEvent id="E"/>'
        + p.flow("F1", "S", "Task_echo")
        + p.flow("F2", "Task_echo", "E")
    )
    extensions = p.extensions(
        variables=[p.variable("year", "integer", value=1979), p.variable("received", "json")],
        mappings={
            "Task_echo": {
                "inputs": {"received": {"type": "value", "value": "${year < 1980 && year > 1900}"}},
                "outputs": {"received": {"type": "variable", "value": "received"}},
            }
        },
        constants={"Task_echo": {"apiVersion": {"value": "2"}}},
    )
    run = wait_for_run(owner_api, start(owner_api, save_process(content, extensions), {})["id"])
    assert run["state"] == "COMPLETED", run["error"]
    assert run["serviceTasks"][0]["inBoundVariables"] == {"received": True, "apiVersion": "2"}
    assert run["variables"] == {"year": 1979, "received": {"received": True, "apiVersion": "2"}}
    extensions["Process_run1"]["mappings"]["Task_echo"]["inputs"]["received"] = {
        "type": "value",
        "value": "a literal",
    }
    run = wait_for_run(owner_api, start(owner_api, save_process(content, extensions), {})["id"])
    assert run["serviceTasks"][0]["inBoundVariables"] == {"received": "a literal", "apiVersion": "2"}


@pytest.mark.usefixtures("memory_connectors")
@pytest.mark.parametrize(
    ("title", "path_end", "verdict"),
    [
        ("Alien", ["Gateway_rating", "Task_praise", "End_praised"], "Alien: see it"),
        ("Cats", ["Gateway_rating", "Task_pan", "End_panned"], "Cats: skip it"),
        ("Nope", ["Boundary_notFound", "Task_sorry", "End_missing"], "Nope: not in the catalogue"),
    ],
)
def test_gateway_on_a_connector_output_and_a_caught_bpmn_error(
    owner_api, save_process, title, path_end, verdict
):
    model = save_process(p.ROUTED, p.ROUTED_EXTENSIONS)
    run = wait_for_run(owner_api, start(owner_api, model, {"title": title})["id"])
    assert run["state"] == "COMPLETED", run["error"]
    entered = [t["elementId"] for t in run["trace"] if t["event"] == "entered"]
    assert entered[-3:] == path_end
    assert run["variables"]["verdict"] == verdict
    if title == "Nope":
        error = run["serviceTasks"][0]["error"]
        assert error["errorCode"] == "NOT_FOUND"
        assert error["errorClassName"] == "org.activiti.cloud.api.process.model.CloudBpmnError"


def test_a_connector_that_never_answers_fails_after_the_step_limit(owner_api, save_process):
    model = save_process(p.SEED, p.SEED_EXTENSIONS)  # no connector is served in this test
    started = start(owner_api, model, {"movieName": "Alien"}, stepTimeoutSeconds=0.5, timeoutSeconds=10)
    run = wait_for_run(owner_api, started["id"])
    assert run["state"] == "FAILED"
    assert run["error"] == {
        "message": "no connector answered on the destination 'movies.getMovieDesc' within 0.5 s",
        "elementId": "Task_1",
    }
    assert run["serviceTasks"][0]["result"] is None and run["serviceTasks"][0]["answeredAt"] is None


@pytest.mark.usefixtures("memory_connectors")
def test_a_running_run_shows_its_progress(owner_api, save_process):
    # Task_find answers, then Task_praise goes to a destination nobody serves: the run waits there.
    content = p.ROUTED.replace(b'implementation="films.praise"', b'implementation="unserved.praise"')
    model = save_process(content, p.ROUTED_EXTENSIONS)
    run_id = start(owner_api, model, {"title": "Alien"}, stepTimeoutSeconds=3)["id"]
    deadline = time.monotonic() + 3
    run: dict = {"serviceTasks": []}
    while time.monotonic() < deadline and len(run["serviceTasks"]) < 2:
        response = owner_api.get(f"{API}/runs/{run_id}")
        if response.status_code == 200:
            run = response.json()["entry"]
        time.sleep(0.05)
    assert run["state"] == "RUNNING"
    assert run["variables"]["rating"] == 9  # written by Task_find, shown before the end
    entered = [t["elementId"] for t in run["trace"] if t["event"] == "entered"]
    left = [t["elementId"] for t in run["trace"] if t["event"] == "left"]
    assert entered[-1] == "Task_praise" and "Task_praise" not in left  # the current element
    assert wait_for_run(owner_api, run_id)["state"] == "FAILED"


@pytest.mark.usefixtures("memory_connectors")
def test_two_runs_at_once_do_not_mix_their_variables(owner_api, save_process):
    model = save_process(p.ROUTED, p.ROUTED_EXTENSIONS)
    # Started back to back: both execute at once on the embedded worker's threads.
    ids = {title: start(owner_api, model, {"title": title})["id"] for title in ("Alien", "Cats")}
    alien, cats = (wait_for_run(owner_api, ids[title]) for title in ("Alien", "Cats"))
    assert (alien["variables"]["rating"], alien["variables"]["verdict"]) == (9, "Alien: see it")
    assert (cats["variables"]["rating"], cats["variables"]["verdict"]) == (3, "Cats: skip it")


def test_unsupported_elements_are_refused_before_the_run_naming_each(owner_api, save_process):
    model = save_process(p.UNSUPPORTED, p.extensions())
    response = owner_api.post(f"{API}/models/{model.pk}/runs", {"variables": {}}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "run_refused"
    assert {problem["referenceId"] for problem in body["errors"]} == {
        "StartEvent_0",
        "Task_user",
        "Task_script",
        "Task_bare",
        "F5",
    }
    assert not Run.objects.exists()


def test_a_required_variable_without_a_value_is_refused(owner_api, save_process):
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    response = owner_api.post(f"{API}/models/{model.pk}/runs", {"variables": {}}, format="json")
    assert response.status_code == 400
    assert "the required variable 'movieName' has no value" in response.json()["message"]
    assert not Run.objects.exists()


@pytest.mark.usefixtures("memory_connectors")
def test_recent_runs_are_listed_and_kept_up_to_the_limit(owner_api, save_process, settings):
    settings.MODELER_RUNS = settings.MODELER_RUNS | {"keep_per_model": 2}
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    ids = [wait_for_run(owner_api, start(owner_api, model, {"movieName": n})["id"])["id"] for n in "ABC"]
    body = owner_api.get(f"{API}/models/{model.pk}/runs").json()["list"]
    listed = [e["entry"]["id"] for e in body["entries"]]
    # The third start kept the two newest finished runs besides itself.
    assert listed == [ids[2], ids[1], ids[0]][: len(listed)] and ids[2] in listed and len(listed) <= 3
    assert Run.objects.filter(model=model).count() <= 3
    assert "trace" not in body["entries"][0]["entry"]


def test_the_total_limit_times_the_run_out(owner_api, save_process):
    model = save_process(p.SEED, p.SEED_EXTENSIONS)  # no connector answers
    started = start(owner_api, model, {"movieName": "Alien"}, stepTimeoutSeconds=5, timeoutSeconds=0.4)
    assert started["stepTimeoutSeconds"] == 0.4  # never longer than the whole run
    run = wait_for_run(owner_api, started["id"])
    assert run["state"] == "TIMED_OUT"
    assert run["error"]["elementId"] == "Task_1"
    assert "movies.getMovieDesc" in run["error"]["message"]


@pytest.mark.usefixtures("memory_connectors")
def test_the_run_worker_command_executes_runs_left_to_it(owner_api, save_process, settings):
    from django.core.management import call_command

    settings.MODELER_RUNS = settings.MODELER_RUNS | {"worker": "external"}
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    run_id = start(owner_api, model, {"movieName": "Metropolis"})["id"]
    time.sleep(0.3)
    assert Run.objects.get(pk=run_id).state == "RUNNING"  # nobody executes it in this process
    call_command("run_worker", "--once", stdout=io.StringIO())
    run = wait_for_run(owner_api, run_id, timeout=5)
    assert run["state"] == "COMPLETED", run["error"]
    assert run["variables"]["movieDescription"].startswith("Metropolis (1927)")


def test_a_run_whose_worker_went_away_is_timed_out_when_read(owner_api, save_process, settings):
    settings.MODELER_RUNS = settings.MODELER_RUNS | {"worker": "external"}
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    run_id = start(owner_api, model, {"movieName": "x"}, timeoutSeconds=1)["id"]
    Run.objects.filter(pk=run_id).update(creation_date=timezone.now() - timedelta(minutes=5))
    run = owner_api.get(f"{API}/runs/{run_id}").json()["entry"]
    assert run["state"] == "TIMED_OUT"
    assert "worker stopped answering" in run["error"]["message"]


def test_only_processes_run_and_bad_bodies_are_refused(owner_api, project, owner):
    from projects import services

    connector, _ = services.model_create(actor=owner, project=project, type_name="CONNECTOR", name="movies")
    response = owner_api.post(f"{API}/models/{connector.pk}/runs", {"variables": {}}, format="json")
    assert response.status_code == 400 and "Only processes can be run" in response.json()["message"]
    response = owner_api.post(f"{API}/models/{connector.pk}/runs", {"variables": [1]}, format="json")
    assert response.status_code == 400
    assert owner_api.get(f"{API}/runs/not-a-uuid").status_code == 404
    assert owner_api.get(f"{API}/runs/{connector.pk}").status_code == 404
    assert not Run.objects.exists()


def test_the_embedded_worker_serves_the_demo_connector_itself(owner_api, save_process, settings, monkeypatch):
    monkeypatch.delenv("MOVIES_API_KEY", raising=False)  # a placeholder stands in for it in process
    settings.MODELER_RUNS = settings.MODELER_RUNS | {"memory_connectors": ("examples.movies_connector",)}
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    run = wait_for_run(owner_api, start(owner_api, model, {"movieName": "Vertigo"})["id"])
    assert run["state"] == "COMPLETED", run["error"]
    assert run["variables"]["movieDescription"].startswith("Vertigo (1958)")


def test_variables_not_declared_or_of_the_wrong_type_are_refused(owner_api, save_process):
    model = save_process(p.ROUTED, p.ROUTED_EXTENSIONS)
    response = owner_api.post(
        f"{API}/models/{model.pk}/runs",
        {"variables": {"title": "Alien", "rating": "high", "colour": "red", "verdict": "${x}"}},
        format="json",
    )
    assert response.status_code == 400
    problems = [problem["description"] for problem in response.json()["errors"]]
    assert problems == [
        "the value of 'rating' is not of type integer: 'high'",
        "'colour' is not a variable of the process",
        "the value of 'verdict' is an expression: give a value",
    ]
    assert not Run.objects.exists()


def test_a_service_task_calling_no_action_of_the_project_is_refused(owner_api, owner, project):
    from projects import services

    # Saved without describing the connector: the save stores it with an error, a run refuses it.
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="refund")
    model, check = services.model_save_content(
        actor=owner,
        model=model,
        content=p.SEED.replace(b"movies.getMovieDesc", b"payments.refund"),
        extensions=p.SEED_EXTENSIONS,
    )
    assert any(problem.reference_id == "Task_1" and not problem.warning for problem in check.problems)
    response = owner_api.post(
        f"{API}/models/{model.pk}/runs", {"variables": {"movieName": "x"}}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "run_refused"
    assert [(e["referenceId"], e["description"]) for e in body["errors"]] == [
        (
            "Task_1",
            "service task 'Task_1' calls 'payments.refund', which is not an action of a connector of this project",
        )
    ]
    assert not Run.objects.exists()
