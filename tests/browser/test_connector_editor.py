"""In the browser: define the `movies` connector, reload, JSON tab = API = workspace, stale copy → conflict."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from projects import services
from projects.models import Model
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
    create = page.get_by_test_id("create-connector")
    create.get_by_label("Name").fill("movies")
    create.get_by_label("Description").fill("Movie lookups")
    create.get_by_role("button", name="Create connector").click()
    expect(page.get_by_test_id("connector-title")).to_have_text("movies")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")

    page.get_by_test_id("add-action").click()
    action = page.get_by_test_id("action").first
    action.get_by_test_id("action-name").fill("getMovieDesc")
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")
    action.get_by_test_id("add-input").click()
    row = action.get_by_test_id("input-row").first
    row.get_by_test_id("param-name").fill("movieName")
    row.get_by_test_id("param-type").fill("string")
    row.get_by_test_id("param-required").check()
    action.get_by_test_id("add-output").click()
    out = action.get_by_test_id("output-row").first
    out.get_by_test_id("param-name").fill("movieDescription")
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
    assert document["config"] == [{"name": "MOVIES_API_KEY", "required": False, "secure": True, "value": ""}]

    page.reload()
    expect(page.get_by_test_id("action-name")).to_have_value("getMovieDesc")
    expect(page.get_by_test_id("input-row").get_by_test_id("param-name")).to_have_value("movieName")
    expect(page.get_by_test_id("input-row").get_by_test_id("param-required")).to_be_checked()
    expect(page.get_by_test_id("output-row").get_by_test_id("param-name")).to_have_value("movieDescription")
    expect(page.get_by_test_id("config-secure")).to_be_checked()

    page.get_by_role("tab", name="JSON").click()
    shown = page.get_by_test_id("json-text").input_value()
    api_content = page.request.get(f"/modeling-service/v1/models/{model.pk}/content").body().decode()
    assert shown == api_content == bytes(model.content).decode()
    workspace_file = workspace_dir / "olivia" / "rank-movies" / "connectors" / "movies.json"
    assert workspace_file.read_text() == shown

    # A second session opens the same connector, the first saves again, the stale copy conflicts.
    stale = new_page()
    sign_in(stale, carl)
    stale.goto(f"/projects/{project.pk}/connectors/{model.pk}/")
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


def test_json_tab_shows_problems_inline(new_page, sign_in):
    owner = make_user("olivia", APS_MODELER)
    project = ProjectFactory(owner=owner, name="rank-movies")
    model, _ = services.model_create(actor=owner, project=project, type_name="CONNECTOR", name="movies")
    page = new_page()
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/connectors/{model.pk}/")
    page.get_by_role("tab", name="JSON").click()
    page.get_by_test_id("json-text").fill('{"name": "movies", "icon": "x.png"}')
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("problems")).to_contain_text("extraneous key [icon] is not permitted")
    expect(page.get_by_test_id("save-state")).to_contain_text("Not saved")
    model.refresh_from_db()
    assert model.version == 1
