"""In the browser, the seed flow: connector → process → variables → service task → dropdown → save.

Then the BPMN (API and workspace) holds the implementation and the extensions file both automatic
mappings; a literal survives save + reload; deleting the task removes its mapping. A user without
APS_MODELER cannot open the editor.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from processes.bpmn import read_bpmn
from projects import services
from projects.models import Model
from tests.factories import PASSWORD, ProjectFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)
API = "/modeling-service/v1"


def create_movies_connector(page, project):
    page.goto(f"/projects/{project.pk}/")
    create = page.get_by_test_id("create-connector")
    create.get_by_label("Name").fill("movies")
    create.get_by_role("button", name="Create connector").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    page.get_by_test_id("add-action").click()
    action = page.get_by_test_id("action").first
    action.get_by_test_id("action-name").fill("getMovieDesc")
    action.get_by_test_id("add-input").click()
    row = action.get_by_test_id("input-row").first
    row.get_by_test_id("param-name").fill("movieName")
    row.get_by_test_id("param-type").fill("string")
    row.get_by_test_id("param-required").check()
    action.get_by_test_id("add-output").click()
    action.get_by_test_id("output-row").first.get_by_test_id("param-name").fill("movieDescription")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.2)")


def add_variable(page, index, name):
    page.get_by_test_id("add-variable").click()
    field = page.get_by_test_id(f"variable-name-{index}")
    field.fill(name)
    field.press("Enter")
    expect(page.get_by_test_id(f"variable-name-{index}")).to_have_value(name)


def saved_files(workspace_dir, owner, project, name):
    folder = Path(workspace_dir) / str(owner.pk) / project.name / "processes"
    return (folder / f"{name}.bpmn20.xml").read_bytes(), json.loads(
        (folder / f"{name}-extensions.json").read_bytes()
    )


def test_seed_flow_in_the_process_editor(new_page, sign_in, workspace_dir):
    owner = make_user("olivia", APS_MODELER)
    project = ProjectFactory(owner=owner, name="rank-movies")
    page = new_page()
    sign_in(page, owner)
    create_movies_connector(page, project)

    page.goto(f"/projects/{project.pk}/")
    create = page.get_by_test_id("create-process")
    create.get_by_label("Name").fill("rank-movie")
    create.get_by_role("button", name="Create process").click()
    expect(page.get_by_test_id("process-title")).to_have_text("rank-movie")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.1)")
    expect(page.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays visible

    add_variable(page, 0, "movieName")
    add_variable(page, 1, "movieDescription")
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")

    # Draw: append a task to the start event, then make it a service task.
    page.locator('.djs-element[data-element-id="Event_1"]').click()
    page.locator('.djs-context-pad [data-action="append.append-task"]').click()
    page.keyboard.press("Escape")  # leave the label editor bpmn-js opens on a new task
    page.locator('.djs-context-pad [data-action="replace"]').click()
    page.locator('[data-id="replace-with-service-task"]').click()
    implementation = page.get_by_test_id("implementation")
    expect(implementation).to_be_visible()
    implementation.select_option("movies.getMovieDesc")
    expect(page.get_by_test_id("input-row-movieName").locator(".badge.auto")).to_be_visible()
    expect(page.get_by_test_id("output-row-movieDescription").locator(".badge.auto")).to_be_visible()
    expect(page.get_by_test_id("mapping-type")).to_have_value("MAP_VARIABLES")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.2)")

    model = Model.objects.get(project=project, name="rank-movie")
    api_content = page.request.get(f"{API}/models/{model.pk}/content").body()
    bpmn = read_bpmn(api_content)
    [process] = bpmn.processes
    [(task_id, task_implementation)] = bpmn.implementations().items()
    assert task_implementation == "movies.getMovieDesc"
    assert b'implementation="movies.getMovieDesc"' in api_content
    content, extensions = saved_files(workspace_dir, owner, project, "rank-movie")
    assert content == api_content
    assert extensions["extensions"][process.id]["mappings"] == {
        task_id: {
            "inputs": {"movieName": {"type": "variable", "value": "movieName"}},
            "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
        }
    }
    names = sorted(v["name"] for v in extensions["extensions"][process.id]["properties"].values())
    assert names == ["movieDescription", "movieName"]

    # Change one mapping to a literal, save, reload: it stayed.
    page.get_by_test_id("input-kind-movieName").select_option("value")
    page.get_by_test_id("input-value-movieName").fill("Alien")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.3)")
    page.reload()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.3)")
    page.locator(f'.djs-element[data-element-id="{task_id}"]').click()
    expect(page.get_by_test_id("input-value-movieName")).to_have_value("Alien")
    expect(page.get_by_test_id("input-row-movieName").locator(".badge.auto")).to_have_count(0)
    _, extensions = saved_files(workspace_dir, owner, project, "rank-movie")
    assert extensions["extensions"][process.id]["mappings"][task_id]["inputs"] == {
        "movieName": {"type": "value", "value": "Alien"}
    }

    # The problems panel lists what the save found; a row selects its element.
    page.locator(".djs-container > svg").click(position={"x": 600, "y": 400})  # select nothing
    expect(page.get_by_test_id("element-id")).to_have_value(process.id)
    problem = page.get_by_test_id("problem").filter(has_text=task_id).first
    expect(problem).to_contain_text("Flow node has no outgoing flow")  # the task leads nowhere yet
    problem.click()
    expect(page.get_by_test_id("element-id")).to_have_value(task_id)
    expect(page.locator(f'.djs-element.selected[data-element-id="{task_id}"]')).to_have_count(1)

    # Delete the task, save: its mapping is gone.
    page.locator('.djs-context-pad [data-action="delete"]').click()
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.4)")
    content, extensions = saved_files(workspace_dir, owner, project, "rank-movie")
    assert task_id.encode() not in content
    assert extensions["extensions"][process.id]["mappings"] == {}
    assert len(extensions["extensions"][process.id]["properties"]) == 2


def test_user_without_the_modeler_role_cannot_open_the_editor(new_page, sign_in):
    owner = make_user("olivia", APS_MODELER)
    nora = make_user("nora")
    project = ProjectFactory(owner=owner, name="rank-movies")
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank-movie")
    page = new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill(nora.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    response = page.goto(f"/projects/{project.pk}/processes/{model.pk}/")
    assert response.status == 403
    expect(page.get_by_text("APS_MODELER").first).to_be_visible()
    expect(page.locator(".djs-container")).to_have_count(0)
