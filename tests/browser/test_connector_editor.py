"""In the browser, the connector editor of the workspace: define the `movies` connector, reload,
JSON tab = API = workspace file, a stale copy gets the conflict state; types are chosen from a
list (or an explicit custom type); problems are in words on their fields; a JSON error goes away
after a later successful save."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from projects import services
from projects.models import Model
from tests.browser.workspace import add_parameter, code_text, create_model, set_code_text
from tests.factories import ProjectFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_define_movies_connector(new_page, sign_in, workspace_dir, live_server):
    owner = make_user("olivia", APS_MODELER)
    carl = make_user("carl", APS_MODELER)
    project = ProjectFactory(owner=owner, name="rank-movies")
    services.collaborator_add(actor=owner, project=project, username=carl.username)

    page = new_page()
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/")
    create_model(page, "connector", "movies", "Movie lookups")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")

    page.get_by_test_id("add-action").click()
    action = page.get_by_test_id("action").first
    action.get_by_test_id("action-name").fill("getMovieDesc")
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")
    add_parameter(action, "input", "movieName", required=True)
    add_parameter(action, "output", "movieDescription")
    page.get_by_test_id("add-config").click()
    variable = page.get_by_test_id("config-row").first
    variable.get_by_test_id("config-name").fill("MOVIES_API_KEY")
    variable.get_by_test_id("config-secure").check()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.2)")

    model = Model.objects.get(project=project, name="movies")
    document = json.loads(bytes(model.content))
    (action_doc,) = document["actions"].values()
    assert action_doc["name"] == "getMovieDesc"
    assert [(p["name"], p["type"], p["required"]) for p in action_doc["inputs"]] == [
        ("movieName", "string", True)
    ]
    assert [(p["name"], p["type"]) for p in action_doc["outputs"]] == [("movieDescription", "string")]
    assert document["config"] == [{"name": "MOVIES_API_KEY", "required": False, "secure": True}]

    page.reload()
    expect(page.get_by_test_id("action-name")).to_have_value("getMovieDesc")
    expect(page.get_by_test_id("input-row").get_by_test_id("param-name")).to_have_value("movieName")
    expect(page.get_by_test_id("input-row").get_by_test_id("param-required")).to_be_checked()
    expect(page.get_by_test_id("output-row").get_by_test_id("param-name")).to_have_value("movieDescription")
    expect(page.get_by_test_id("config-secure")).to_be_checked()

    page.get_by_role("tab", name="JSON").click()
    expect(page.get_by_test_id("json-text")).to_be_visible()
    shown = code_text(page, "json-text")
    api_content = page.request.get(f"/modeling-service/v1/models/{model.pk}/content").body().decode()
    assert shown == api_content == bytes(model.content).decode()
    workspace_file = workspace_dir / str(owner.pk) / "rank-movies" / "connectors" / "movies.json"
    assert workspace_file.read_text() == shown

    # A second session opens the same connector, the first saves again, the stale copy conflicts.
    stale = new_page()
    stale.allow_console_error(r"status of 412", "the stale copy's save is refused with 412 on purpose")
    sign_in(stale, carl)
    stale.goto(f"/projects/{project.pk}/connectors/{model.pk}/")
    expect(stale.get_by_test_id("save-state")).to_have_text("Saved")
    page.get_by_role("tab", name="Form").click()
    page.get_by_test_id("connector-description").fill("Movie lookups, v2")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.3)")

    stale.get_by_test_id("connector-description").fill("Carl's description")
    stale.get_by_test_id("save").click()
    expect(stale.get_by_test_id("save-state")).to_have_text("Conflict: not saved")
    expect(stale.get_by_test_id("conflict")).to_be_visible()
    expect(stale.get_by_test_id("connector-description")).to_have_value("Carl's description")
    model.refresh_from_db()
    assert model.version == 3
    assert json.loads(bytes(model.content))["description"] == "Movie lookups, v2"
    assert workspace_file.read_bytes() == bytes(model.content)


def test_parameter_type_from_a_list_or_an_explicit_custom_type(new_page, sign_in, owner, project):
    connector, _ = services.model_create(actor=owner, project=project, type_name="CONNECTOR", name="movies")
    page = new_page()
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/connectors/{connector.pk}/")
    page.get_by_test_id("add-action").click()
    action = page.get_by_test_id("action").first
    action.get_by_test_id("action-name").fill("rank")
    action.get_by_test_id("add-input").click()
    row = action.get_by_test_id("input-row").first
    row.get_by_test_id("param-name").fill("movie")
    types = row.get_by_test_id("param-type")
    expect(types.locator("option")).to_have_text(
        [
            "string",
            "integer",
            "boolean",
            "date",
            "datetime",
            "json",
            "file",
            "folder",
            "array",
            "Custom type…",
        ]
    )
    expect(row.get_by_test_id("param-custom-type")).to_be_hidden()  # no free text unless asked for
    types.select_option("Custom type…")
    row.get_by_test_id("param-custom-type").fill("movie-ref")
    action.get_by_test_id("add-output").click()
    out = action.get_by_test_id("output-row").first
    out.get_by_test_id("param-name").fill("score")
    out.get_by_test_id("param-type").select_option("integer")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.2)")
    connector.refresh_from_db()
    (stored,) = json.loads(bytes(connector.content))["actions"].values()
    assert [(p["name"], p["type"]) for p in stored["inputs"]] == [("movie", "movie-ref")]
    assert [(p["name"], p["type"]) for p in stored["outputs"]] == [("score", "integer")]
    page.reload()
    row = page.get_by_test_id("input-row").first
    expect(row.get_by_test_id("param-type")).to_have_value("__custom__")
    expect(row.get_by_test_id("param-custom-type")).to_have_value("movie-ref")


def test_problems_name_the_fields_and_a_json_error_goes_after_a_good_save(new_page, sign_in, owner, project):
    connector, _ = services.model_create(actor=owner, project=project, type_name="CONNECTOR", name="movies")
    page = new_page()
    page.allow_console_error(r"status of 400", "the refused saves answer 400 on purpose")
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/connectors/{connector.pk}/")
    page.get_by_role("tab", name="JSON").click()

    # An unreadable text: refused in the browser, the line marked, nothing sent.
    set_code_text(page, "json-text", '{"name": "movies",\n  "actions": {\n}')
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Not saved: invalid JSON")
    expect(page.get_by_test_id("json-error")).to_contain_text("The JSON cannot be read")
    expect(page.locator(".cm-lint-marker-error")).to_have_count(1)

    # A document the server refuses: the problem names the action, the input and the field.
    uuid = "a1b2c3d4-0000-4000-8000-000000000001"
    bad = {
        "name": "movies",
        "icon": "x.png",
        "actions": {
            uuid: {"id": uuid, "name": "getMovie", "inputs": [{"id": "i1", "name": "", "type": "string"}]}
        },
    }
    set_code_text(page, "json-text", json.dumps(bad, indent=2))
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_contain_text("Not saved")
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("The connector: has a key 'icon' that a connector cannot hold")
    expect(problems).to_contain_text("Action 'getMovie', input 1, field 'name': must not be empty")
    expect(problems).not_to_contain_text(uuid)
    expect(problems).not_to_contain_text("#/actions")
    connector.refresh_from_db()
    assert connector.version == 1

    # Fixed: saved, and the old error is gone from the tab and the problems panel.
    del bad["icon"]
    bad["actions"][uuid]["inputs"][0]["name"] = "movieName"
    set_code_text(page, "json-text", json.dumps(bad, indent=2))
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.2)")
    expect(page.get_by_test_id("json-error")).to_be_hidden()
    expect(page.get_by_test_id("problems")).to_be_hidden()
    expect(page.locator(".cm-lint-marker-error")).to_have_count(0)


def test_download_the_connector_project_from_the_editor_and_the_tree(
    new_page, sign_in, owner, project, tmp_path
):
    """Step 1 starts here: the scaffold of the saved definition, as a zip, from both places."""
    import zipfile

    movies = (Path(__file__).parents[2] / "examples" / "movies_connector" / "movies.json").read_bytes()
    connector, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=movies
    )
    page = new_page()
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/connectors/{connector.pk}/")
    with page.expect_download() as from_editor:
        page.get_by_test_id("download-scaffold").click()
    assert from_editor.value.suggested_filename == "movies-connector.zip"
    saved = tmp_path / "scaffold.zip"
    from_editor.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:  # the test's own reading of what the browser saved
        names = archive.namelist()
    assert any(name.endswith("Dockerfile") for name in names)
    assert any(name.endswith("pyproject.toml") for name in names)

    page.get_by_role("treeitem", name="movies").get_by_role("button").first.click()
    with page.expect_download() as from_tree:
        page.get_by_role("menuitem", name="Download connector project").click()
    assert from_tree.value.suggested_filename == "movies-connector.zip"
