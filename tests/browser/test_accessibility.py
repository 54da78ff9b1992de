"""axe-core (from npm) on the pages a modeler and an administrator use: no serious or critical
violation on the project list, the workspace (overview, process editor with a service task
selected, the XML tab, connector editor, a dialog) and the admin pages."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from projects.models import Model
from tests.browser.test_editor_fixes import _movies_project
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_modeling_pages_pass_axe(new_page, sign_in, axe_check, screenshot, workspace_dir):
    owner = make_user("olivia", APS_MODELER)
    project = _movies_project(owner)
    process = Model.objects.get(project=project, type="PROCESS")
    connector = Model.objects.get(project=project, type="CONNECTOR")
    page = new_page(bypass_csp=True)  # axe-core is injected as a script
    sign_in(page, owner)
    violations = axe_check(page, "project list")

    page.goto(f"/projects/{project.pk}/")
    expect(page.get_by_role("tree")).to_be_visible()
    violations += axe_check(page, "workspace overview")

    page.goto(f"/projects/{project.pk}/processes/{process.pk}/")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.1)")
    violations += axe_check(page, "process editor")
    page.locator('.djs-element[data-element-id="Task_1spvopd"]').click()
    expect(page.get_by_test_id("implementation")).to_have_value("movies.getMovieDesc")
    screenshot(page, "service-task")
    violations += axe_check(page, "process editor, service task")
    page.get_by_role("tab", name="XML").click()
    expect(page.get_by_test_id("xml-text")).to_be_visible()
    violations += axe_check(page, "process editor, XML tab")

    page.goto(f"/projects/{project.pk}/connectors/{connector.pk}/")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    screenshot(page, "connector")
    violations += axe_check(page, "connector editor")
    page.get_by_role("tab", name="JSON").click()
    violations += axe_check(page, "connector editor, JSON tab")
    page.get_by_test_id("new-process").click()
    expect(page.get_by_test_id("model-dialog")).to_be_visible()
    violations += axe_check(page, "new process dialog")
    assert violations == [], "\n".join(violations)


def test_admin_pages_pass_axe(new_page, axe_check, owner):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123456")
    page = new_page(bypass_csp=True)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-root-123456")
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url("**/login/**")
    violations = axe_check(page, "admin index")
    pages = (
        "/admin/auth/user/",
        f"/admin/auth/user/{owner.pk}/change/",
        "/admin/projects/project/",
        f"/admin/projects/project/?q={owner.pk}",
    )
    for url in pages:
        page.goto(url)
        violations += axe_check(page, url)
    assert admin.is_superuser
    assert violations == [], "\n".join(violations)


def test_a_workspace_with_problems_passes_axe(new_page, sign_in, axe_check, owner, project):
    """Problem badges in the tree and clickable problem rows: still no serious violation."""
    from projects import services

    process, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="broken")
    assert process.problems  # a new process's start event has no outgoing flow
    page = new_page(bypass_csp=True)
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/processes/{process.pk}/")
    page.wait_for_selector("body[data-editor-ready]")
    expect(page.get_by_test_id("problem").first).to_be_visible()
    violations = axe_check(page, "workspace with problems")
    assert violations == [], "\n".join(violations)
