"""In the browser: the Run panel of the process editor. The demo process (seed_demo) runs with
movieName "Alien" against the movies connector the embedded worker serves on memory:// (as under
`bin/serve`): the path is highlighted on the canvas, the request and the answer of the service
task shown, and movieDescription is in the final variables. A run whose connector never answers
shows the task as current while it waits, then fails after the step limit with the task selected.
A required variable left empty is refused in the form; a process a run cannot execute is refused
naming the element."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from modeler.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERNAME
from projects import services
from projects.models import Model, Project
from runs import worker

pytestmark = pytest.mark.django_db(transaction=True)

RATINGS = {
    "id": "connector-ratings",
    "name": "ratings",
    "actions": {
        "rate": {
            "id": "rate",
            "name": "rate",
            "inputs": [{"id": "i1", "name": "movieName", "type": "string"}],
            "outputs": [{"id": "o1", "name": "rating", "type": "integer"}],
        }
    },
}
UNANSWERED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="model-rate" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn2:process id="Process_rate" name="rate-movie" isExecutable="true">
    <bpmn2:startEvent id="Event_s" />
    <bpmn2:serviceTask id="Task_rate" name="Rate it" implementation="ratings.rate" />
    <bpmn2:endEvent id="Event_e" />
    <bpmn2:sequenceFlow id="F1" sourceRef="Event_s" targetRef="Task_rate" />
    <bpmn2:sequenceFlow id="F2" sourceRef="Task_rate" targetRef="Event_e" />
  </bpmn2:process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="Process_rate">
    <bpmndi:BPMNShape id="Event_s_di" bpmnElement="Event_s"><dc:Bounds x="150" y="160" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Task_rate_di" bpmnElement="Task_rate"><dc:Bounds x="240" y="138" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Event_e_di" bpmnElement="Event_e"><dc:Bounds x="400" y="160" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="F1_di" bpmnElement="F1"><di:waypoint x="186" y="178" /><di:waypoint x="240" y="178" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F2_di" bpmnElement="F2"><di:waypoint x="340" y="178" /><di:waypoint x="400" y="178" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn2:definitions>
"""


@pytest.fixture
def demo(settings, monkeypatch):
    """The seeded demo, with test runs as `bin/serve` has them: the embedded worker on memory://
    serving the demo's movies connector module itself."""
    monkeypatch.delenv("MODELER_BROKER_URL", raising=False)
    monkeypatch.delenv("MODELER_RUN_WORKER", raising=False)
    monkeypatch.delenv("MOVIES_API_KEY", raising=False)
    settings.MODELER_RUNS = {"broker_url": "memory://", "worker": "embedded"}
    call_command("seed_demo", stdout=io.StringIO())
    project = Project.objects.get(name="demo-movies", owner__username=DEMO_USERNAME)
    yield project
    worker.shutdown(wait=True)


@pytest.fixture
def rate(demo):
    """A process of the demo project whose task calls `ratings.rate`: described, never served."""
    services.model_create(
        actor=demo.owner,
        project=demo,
        type_name="CONNECTOR",
        name="ratings",
        content=json.dumps(RATINGS).encode(),
    )
    model, _ = services.model_create(
        actor=demo.owner, project=demo, type_name="PROCESS", name="rate-movie", content=UNANSWERED.encode()
    )
    return model


def sign_in_as_demo(page) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def element(page, element_id: str):
    return page.locator(f'.djs-element[data-element-id="{element_id}"]')


def open_run_panel(page, project, model):
    page.goto(f"/projects/{project.pk}/processes/{model.pk}/")
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile(r"Saved \(version"))
    page.get_by_test_id("run-open").click()
    panel = page.get_by_test_id("run-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("run-open")).to_have_attribute("aria-expanded", "true")
    return panel


def test_the_demo_process_runs_from_the_editor(demo, new_page, screenshot, axe_check):
    process = Model.objects.get(project=demo, name="rank-movie")
    page = new_page(bypass_csp=True)  # axe-core is injected as a script
    sign_in_as_demo(page)
    panel = open_run_panel(page, demo, process)

    name_field = panel.get_by_test_id("run-variable-movieName")
    expect(name_field).to_be_focused()
    expect(name_field).to_have_attribute("aria-required", "true")
    expect(panel.get_by_label(re.compile(r"^movieName"))).to_have_count(1)
    panel.get_by_test_id("run-start").click()  # the required variable is empty: refused in the form
    expect(panel.get_by_test_id("run-variable-error-movieName")).to_have_text(
        "movieName is required: give it a value."
    )
    expect(name_field).to_have_attribute("aria-invalid", "true")
    expect(name_field).to_be_focused()
    assert not process.runs.exists()

    name_field.fill("Alien")
    panel.get_by_test_id("run-start").click()
    status = panel.get_by_test_id("run-status")
    expect(status).to_have_text(re.compile(r"^Completed in .* \(run of version 0\.0\.1\)\.$"))
    final = panel.get_by_test_id("run-final-variables")
    expect(final.locator('tr[data-name="movieName"] td')).to_have_text("Alien")
    expect(final.locator('tr[data-name="movieDescription"] td')).to_have_text(
        re.compile(r"^Alien \(1979\): the crew of the Nostromo")
    )
    # The path on the canvas: every element and both flows passed, nothing current or failed.
    for element_id in ("Event_start", "Flow_toLookUp", "Task_lookUp", "Flow_toEnd", "Event_end"):
        expect(element(page, element_id)).to_have_class(re.compile(r"\brun-passed\b"))
    expect(page.locator(".djs-element.run-current, .djs-element.run-failed")).to_have_count(0)
    steps = panel.get_by_test_id("run-step")
    expect(steps).to_have_count(3)
    expect(steps.nth(1)).to_contain_text("Look up the movie (Task_lookUp) done")
    task = steps.nth(1).get_by_test_id("run-task")
    expect(task.locator("summary")).to_contain_text("movies.getMovieDesc — answered in")
    task.locator("summary").click()
    expect(task.get_by_test_id("run-task-request").locator('tr[data-name="movieName"] td')).to_have_text(
        "Alien"
    )
    expect(
        task.get_by_test_id("run-task-result").locator('tr[data-name="movieDescription"] td')
    ).to_contain_text("Alien (1979)")
    screenshot(page, "run-panel-completed")
    assert axe_check(page, "run panel") == []

    [run] = process.runs.all()
    assert run.state == "COMPLETED" and run.input_variables == {"movieName": "Alien"}
    panel.locator("details.run-history summary").click()
    expect(panel.get_by_test_id("run-recent-item")).to_have_count(1)
    expect(panel.get_by_test_id("run-recent-item")).to_contain_text("Completed (modeler, version 0.0.1)")

    panel.get_by_test_id("run-clear").click()
    expect(page.locator(".djs-element.run-passed")).to_have_count(0)
    panel.get_by_test_id("run-close").click()
    expect(panel).to_be_hidden()


def test_a_run_whose_connector_never_answers_fails_at_the_task(demo, rate, new_page, screenshot):
    page = new_page()
    sign_in_as_demo(page)
    panel = open_run_panel(page, demo, rate)
    expect(panel.get_by_test_id("run-no-variables")).to_be_visible()
    panel.locator("details.run-limits summary").click()
    panel.get_by_test_id("run-step-timeout").fill("2")
    panel.get_by_test_id("run-start").click()

    # While the task waits for its answer it is the current element, the start event is passed.
    expect(element(page, "Task_rate")).to_have_class(re.compile(r"\brun-current\b"))
    expect(element(page, "Event_s")).to_have_class(re.compile(r"\brun-passed\b"))
    expect(panel.get_by_test_id("run-status")).to_have_text("Running: Rate it (Task_rate)")
    screenshot(page, "run-panel-running")

    expect(panel.get_by_test_id("run-status")).to_have_text(re.compile(r"^Failed in "), timeout=20_000)
    expect(panel.get_by_test_id("run-error")).to_contain_text(
        "no connector answered on the destination 'ratings.rate' within 2 s"
    )
    expect(element(page, "Task_rate")).to_have_class(re.compile(r"\brun-failed\b"))
    expect(element(page, "Task_rate")).to_have_class(re.compile(r"\bselected\b"))
    expect(element(page, "Event_e")).not_to_have_class(re.compile(r"\brun-passed\b"))
    expect(page.locator(".djs-element.run-current")).to_have_count(0)
    expect(page.get_by_test_id("implementation")).to_be_visible()  # its properties are shown
    step = panel.get_by_test_id("run-step").filter(has_text="Task_rate")
    expect(step).to_contain_text("failed")
    expect(step.get_by_test_id("run-task-request")).to_have_text(
        "Request (inBoundVariables): none."
    )  # no mapping sends nothing
    screenshot(page, "run-panel-failed")


def test_a_process_a_run_cannot_execute_is_refused_naming_the_element(demo, new_page):
    timer = UNANSWERED.replace(
        '<bpmn2:serviceTask id="Task_rate" name="Rate it" implementation="ratings.rate" />',
        '<bpmn2:intermediateCatchEvent id="Task_rate" name="Wait a day"><bpmn2:timerEventDefinition />'
        "</bpmn2:intermediateCatchEvent>",
    )
    model, _ = services.model_create(
        actor=demo.owner, project=demo, type_name="PROCESS", name="wait-movie", content=timer.encode()
    )
    page = new_page()
    sign_in_as_demo(page)
    page.allow_console_error(r"status of 400", "the refused run answers 400, on purpose")
    panel = open_run_panel(page, demo, model)
    panel.get_by_test_id("run-start").click()
    error = panel.get_by_test_id("run-error")
    expect(error).to_contain_text("Not started: The process cannot be run:")
    expect(error).to_contain_text("Task_rate")
    expect(element(page, "Task_rate")).to_have_class(re.compile(r"\brun-failed\b"))
    error.get_by_role("button", name=re.compile(r"^Show Wait a day")).click()
    expect(element(page, "Task_rate")).to_have_class(re.compile(r"\bselected\b"))
    assert not model.runs.exists()


def test_closing_the_panel_mid_run_stops_following_it_and_run_opens_on_the_diagram(demo, rate, new_page):
    page = new_page()
    sign_in_as_demo(page)
    page.goto(f"/projects/{demo.pk}/processes/{rate.pk}/")
    expect(page.get_by_test_id("save-state")).to_have_text(re.compile(r"Saved \(version"))
    page.get_by_role("tab", name="XML").click()
    page.get_by_test_id("run-open").click()  # from a text tab: back to the diagram, then the panel
    expect(page.get_by_role("tab", name="Diagram")).to_have_attribute("aria-selected", "true")
    panel = page.get_by_test_id("run-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("run-start")).to_be_focused()  # no variables: Start has the focus

    panel.locator("details.run-limits summary").click()
    panel.get_by_test_id("run-step-timeout").fill("3")
    panel.get_by_test_id("run-start").click()
    expect(element(page, "Task_rate")).to_have_class(re.compile(r"\brun-current\b"))
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/runs/" in request.url else None)
    page.keyboard.press("Escape")  # the focus is in the panel: Escape closes it
    expect(panel).to_be_hidden()
    expect(page.get_by_test_id("run-open")).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".djs-element.run-passed, .djs-element.run-current")).to_have_count(0)
    closed_at = len(polls)
    page.wait_for_timeout(3500)  # past the step limit: the run ended meanwhile
    assert len(polls) <= closed_at + 1  # at most the answer already on its way, then nothing
    expect(page.locator(".djs-element.run-passed, .djs-element.run-failed")).to_have_count(0)
    expect(page.locator(".djs-element.selected")).to_have_count(0)
