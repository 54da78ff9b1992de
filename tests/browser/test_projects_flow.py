"""In the browser: sign in, create, rename, add a collaborator, delete; the 403 page names the role."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from projects.models import Collaborator, Project
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_project_lifecycle(new_page, sign_in):
    owner = make_user("olivia", APS_MODELER)
    make_user("carl", APS_MODELER)
    page = new_page()
    page.allow_console_error(
        r"status of 400", "the create form answers 400 with the name's error, on purpose"
    )
    sign_in(page, owner)
    expect(page.get_by_text("You have no projects yet")).to_be_visible()

    create = page.get_by_test_id("create-project")
    create.get_by_label("Name").fill("Bad Name")
    create.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("alert").first).to_contain_text("DNS-1035")
    assert not Project.objects.exists()

    create = page.get_by_test_id("create-project")
    create.get_by_label("Name").fill("rank-movies")
    create.get_by_label("Description").fill("Ranks movies")
    create.get_by_role("button", name="Create project").click()
    expect(page.get_by_test_id("project-name")).to_have_text("rank-movies")

    edit = page.get_by_test_id("edit-project")
    edit.get_by_label("Name").fill("movie-ranking")
    edit.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("project-name")).to_have_text("movie-ranking")
    assert Project.objects.get().name == "movie-ranking"

    add = page.get_by_test_id("add-collaborator")
    add.get_by_label("Username").fill("carl")
    add.get_by_role("button", name="Add collaborator").click()
    expect(page.get_by_test_id("collaborators")).to_contain_text("carl")
    assert Collaborator.objects.get().user.username == "carl"

    page.get_by_role("link", name="Delete project…").click()
    page.get_by_label(re.compile("to confirm")).fill("movie-ranking")
    page.get_by_role("button", name="Delete project").click()
    expect(page.get_by_text("Project 'movie-ranking' deleted.")).to_be_visible()
    assert not Project.objects.exists()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/login/"))


def test_user_without_role_sees_403_naming_it(new_page, sign_in):
    nora = make_user("nora")
    page = new_page()
    page.allow_console_error(r"status of 403", "the pages answer 403 to a user without the role, on purpose")
    page.goto("/login/")
    page.get_by_label("Username").fill(nora.username)
    from tests.factories import PASSWORD

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("forbidden-message")).to_contain_text(APS_MODELER)
