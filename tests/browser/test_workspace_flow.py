"""The seed flow inside the project workspace at 1280×720, a screenshot of each state in
var/test-artifacts/: create the connector, create the process, variables, a service task, its
implementation from the dropdown (with search), the automatic mappings, change one, save,
reload, rename the connector and accept updating the process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from processes.bpmn import read_bpmn
from projects.models import Model
from tests.browser.workspace import (
    UUID,
    add_variable,
    append_service_task,
    create_model,
    define_movies_connector,
    model_menu,
    select_root,
    tree_item,
)
from tests.factories import ProjectFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)
API = "/modeling-service/v1"


def saved_files(workspace_dir, owner, project, name):
    folder = Path(workspace_dir) / str(owner.pk) / project.name / "processes"
    return (folder / f"{name}.bpmn20.xml").read_bytes(), json.loads(
        (folder / f"{name}-extensions.json").read_bytes()
    )


def test_seed_flow_in_the_workspace(new_page, sign_in, workspace_dir, screenshot):
    owner = make_user("olivia", APS_MODELER)
    project = ProjectFactory(owner=owner, name="rank-movies")
    page = new_page()
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/")
    expect(page.get_by_role("tree")).to_be_visible()
    screenshot(page, "empty-project")

    # The connector, from the tree's "+".
    create_model(page, "connector", "movies", "Movie lookups")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    define_movies_connector(page)
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")
    expect(tree_item(page, "movies").get_by_test_id("tree-unsaved")).to_be_visible()
    screenshot(page, "connector-defined")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.2)")
    expect(tree_item(page, "movies").get_by_test_id("tree-description")).to_have_text("Movie lookups")
    connector = Model.objects.get(project=project, name="movies")
    document = json.loads(bytes(connector.content))
    (action,) = document["actions"].values()
    assert [(p["name"], p["type"], p["required"]) for p in action["inputs"]] == [
        ("movieName", "string", True)
    ]
    assert [(p["name"], p["type"]) for p in action["outputs"]] == [
        ("movieDescription", "string"),
        ("rating", "integer"),
    ]

    # The process, from the tree's "+": no page load between the two models.
    page.evaluate("window.__samePage = true")
    create_model(page, "process", "rank-movie")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.1)")
    expect(page.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays visible
    assert page.evaluate("window.__samePage") is True
    process = Model.objects.get(project=project, name="rank-movie")

    # Variables: a new row is not an error before anything is typed.
    panel = page.get_by_test_id("properties-panel")
    expect(panel.get_by_text("Process variables", exact=True)).to_be_visible()
    page.get_by_test_id("add-variable").click()
    expect(page.get_by_test_id("variable-name-0")).to_have_attribute("aria-invalid", "false")
    expect(page.get_by_test_id("variable-problem-0")).to_have_count(0)
    page.get_by_test_id("variable-name-0").fill("movieName")
    page.get_by_test_id("variable-name-0").press("Enter")
    add_variable(page, 1, "movieDescription")
    add_variable(page, 2, "stars", "integer")
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")
    screenshot(page, "process-variables")

    # A service task; its implementation from the dropdown, found by searching.
    task_id = append_service_task(page)
    page.get_by_test_id("implementation-search").fill("getmov")
    implementation = page.get_by_test_id("implementation")
    expect(implementation.locator("option")).to_have_text(["— choose an action —", "movies.getMovieDesc"])
    page.get_by_test_id("implementation-search").fill("nothing-like-it")
    expect(panel.get_by_text("No connector action matches")).to_be_visible()
    page.get_by_test_id("implementation-search").fill("movies")
    implementation.select_option("movies.getMovieDesc")
    expect(page.get_by_test_id("mapping-type")).to_have_value("MAP_VARIABLES")
    expect(page.get_by_test_id("input-row-movieName").locator(".badge.auto")).to_be_visible()
    expect(page.get_by_test_id("output-row-movieDescription").locator(".badge.auto")).to_be_visible()
    screenshot(page, "automatic-mappings")

    # The picker lists every variable, compatible types first, and flags a mismatch before saving.
    picker = page.get_by_test_id("output-variable-rating")
    expect(picker.locator("option")).to_have_text(
        [
            "— not mapped —",
            "stars (integer)",
            "movieName (string) — type mismatch",
            "movieDescription (string) — type mismatch",
        ]
    )
    picker.select_option("movieName")
    expect(page.get_by_test_id("output-mismatch-rating")).to_have_text(
        "Type mismatch: variable 'movieName' (string) mapped to parameter 'rating' (integer)"
    )
    picker.select_option("stars")
    expect(page.get_by_test_id("output-mismatch-rating")).to_have_count(0)
    # Undo/redo covers mappings: the commands go through the diagram's command stack.
    page.locator(".djs-container").focus()
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("output-variable-rating")).to_have_value("movieName")
    page.keyboard.press("Control+y")
    expect(page.get_by_test_id("output-variable-rating")).to_have_value("stars")

    # Change one mapping to a literal, save.
    page.get_by_test_id("input-kind-movieName").select_option("value")
    page.get_by_test_id("input-value-movieName").fill("Alien")
    page.get_by_test_id("input-value-movieName").press("Enter")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.2)")
    screenshot(page, "saved")
    api_content = page.request.get(f"{API}/models/{process.pk}/content").body()
    [bpmn_process] = read_bpmn(api_content).processes
    assert read_bpmn(api_content).implementations() == {task_id: "movies.getMovieDesc"}
    content, extensions = saved_files(workspace_dir, owner, project, "rank-movie")
    assert content == api_content
    assert extensions["extensions"][bpmn_process.id]["mappings"] == {
        task_id: {
            "inputs": {"movieName": {"type": "value", "value": "Alien"}},
            "outputs": {
                "movieDescription": {"type": "variable", "value": "movieDescription"},
                "stars": {"type": "variable", "value": "rating"},
            },
        }
    }
    # The variables keep the order they were made in after the save.
    select_root(page)
    expect(page.get_by_test_id("variable-name-2")).to_have_value("stars")
    names = page.locator("[data-testid^=variable-name-]").evaluate_all("nodes => nodes.map(n => n.value)")
    assert names == ["movieName", "movieDescription", "stars"]

    # Reload: the workspace opens on the same model (the URL names it) with what was saved.
    page.reload()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.2)")
    page.evaluate("window.__samePage = true")
    page.locator(f'.djs-element[data-element-id="{task_id}"]').click()
    expect(page.get_by_test_id("input-value-movieName")).to_have_value("Alien")
    expect(page.get_by_test_id("input-row-movieName").locator(".badge.auto")).to_have_count(0)
    screenshot(page, "reloaded")

    # Rename the connector: the dialog says which process and task use it, and updates them.
    model_menu(page, "movies", "Rename…")
    dialog = page.get_by_test_id("model-dialog")
    expect(dialog.get_by_test_id("usages")).to_contain_text("rank-movie")
    expect(dialog.get_by_test_id("usages")).to_contain_text("movies.getMovieDesc")
    expect(dialog.get_by_test_id("update-processes")).to_be_checked()
    dialog.get_by_label("New name", exact=True).fill("films")
    screenshot(page, "rename-connector-dialog")
    dialog.get_by_test_id("dialog-submit").click()
    expect(page.get_by_test_id("archive-status")).to_have_text("Renamed to 'films'; updated rank-movie.")
    expect(tree_item(page, "films")).to_be_visible()
    process.refresh_from_db()
    assert b'implementation="films.getMovieDesc"' in bytes(process.content)
    assert read_bpmn(bytes(process.content)).implementations() == {task_id: "films.getMovieDesc"}
    tree_item(page, "rank-movie").click()
    expect(page).to_have_url(re.compile(rf".*/processes/{process.pk}/$"))
    page.locator(f'.djs-element[data-element-id="{task_id}"]').click()
    expect(page.get_by_test_id("implementation")).to_have_value("films.getMovieDesc")
    expect(page.get_by_test_id("input-value-movieName")).to_have_value("Alien")
    expect(tree_item(page, "rank-movie").get_by_test_id("tree-errors")).to_have_count(
        1
    )  # the task leads nowhere yet
    expect(page.get_by_test_id("problems")).not_to_contain_text("Invalid service implementation")
    screenshot(page, "process-after-rename")

    # Back and Forward walk the models opened, without reloading the page.
    page.go_back()
    expect(page).to_have_url(re.compile(rf".*/connectors/{UUID}/$"))
    expect(page.get_by_test_id("model-title")).to_have_text(" / films")
    page.go_forward()
    expect(page.get_by_test_id("model-title")).to_have_text(" / rank-movie")
    assert page.evaluate("window.__samePage") is True
