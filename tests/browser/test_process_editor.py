"""In the browser: a user without APS_MODELER cannot open the process editor (the seed flow
itself runs in test_workspace_flow.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from projects import services
from tests.factories import PASSWORD, ProjectFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_user_without_the_modeler_role_cannot_open_the_editor(new_page, sign_in):
    owner = make_user("olivia", APS_MODELER)
    nora = make_user("nora")
    project = ProjectFactory(owner=owner, name="rank-movies")
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank-movie")
    page = new_page()
    page.allow_console_error(r"status of 403", "the pages answer 403 to a user without the role, on purpose")
    page.goto("/login/")
    page.get_by_label("Username").fill(nora.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    response = page.goto(f"/projects/{project.pk}/processes/{model.pk}/")
    assert response.status == 403
    expect(page.get_by_text("APS_MODELER").first).to_be_visible()
    expect(page.locator(".djs-container")).to_have_count(0)
