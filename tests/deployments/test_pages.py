"""The DevOps pages: APS_DEVOPS only, the header link, data through json_script, no inline script."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from modeler.roles import APS_DEVOPS
from tests.deployments.helpers import API
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stored(devops_api, body):
    response = devops_api.post(f"{API}/descriptors", body, format="json")
    assert response.status_code == 201
    return response.json()["entry"]


def page_data(response) -> dict:
    match = re.search(
        rb'<script id="deployment-data" type="application/json">(.*?)</script>', response.content, re.S
    )
    assert match, response.content[:500]
    return json.loads(match.group(1))


def assert_no_inline_script(response):
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"].split("script-src", 1)[1].split(";")[0]


def test_list_shows_own_descriptors_with_release_and_state(devops, stored, devops_api, release):
    draft = devops_api.post(
        f"{API}/descriptors", {"name": "draft-app", "releaseId": str(release.pk)}, format="json"
    )
    assert draft.status_code == 201
    response = signed_in(devops).get("/deployments/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'data-testid="descriptor-row" data-name="([^"]+)"', html)
    assert rows == ["draft-app", "movies-prod"]
    assert html.count('data-testid="state">valid<') == 1
    assert html.count('data-testid="state">problems<') == 1
    assert "movies-app · release 1" in html
    assert f'<option value="{release.pk}">movies-app · release 1' in html
    assert 'data-testid="deployments-link"' in html
    assert_no_inline_script(response)


def test_editor_pages_carry_their_data_as_json(devops, stored, release):
    client = signed_in(devops)
    new = client.get(f"/deployments/new/?release={release.pk}")
    assert new.status_code == 200
    data = page_data(new)
    assert data["mode"] == "new" and data["descriptor"] is None
    assert data["release"]["connectors"][0]["name"] == "movies"
    assert data["urls"]["api"] == API
    assert_no_inline_script(new)
    edit = client.get(f"/deployments/{stored['id']}/")
    assert edit.status_code == 200
    data = page_data(edit)
    assert data["descriptor"]["id"] == stored["id"]
    assert data["descriptor"]["connectors"]["movies"]["secureVariables"] == {"MOVIES_API_KEY": "set"}
    assert b"/static/js/deployments.js" in edit.content
    assert_no_inline_script(edit)


def test_new_page_without_a_release_goes_back_to_the_list(devops):
    response = signed_in(devops).get("/deployments/new/")
    assert response.status_code == 302 and response["Location"] == "/deployments/"


@pytest.mark.parametrize("release_id", ["00000000-0000-0000-0000-000000000000", "junk"])
def test_unknown_release_page_is_404(devops, release_id):
    assert signed_in(devops).get(f"/deployments/new/?release={release_id}").status_code == 404


def test_another_user_s_descriptor_page_is_404(stored):
    other = make_user("dora", APS_DEVOPS)
    assert signed_in(other).get(f"/deployments/{stored['id']}/").status_code == 404


@pytest.mark.parametrize("path", ["/deployments/", "/deployments/new/"])
def test_modeler_gets_403_naming_the_role_and_anonymous_the_login(modeler, path):
    response = signed_in(modeler).get(path)
    assert response.status_code == 403
    assert b"APS_DEVOPS" in response.content
    response = Client().get(path)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_header_link_only_for_devops(modeler, devops):
    assert b'data-testid="deployments-link"' not in signed_in(modeler).get("/projects/").content
    assert b'data-testid="deployments-link"' in signed_in(devops).get("/deployments/").content


def test_devops_without_modeler_cannot_open_the_modeling_pages(devops, project):
    client = signed_in(devops)
    for path in ("/projects/", f"/projects/{project.pk}/"):
        response = client.get(path)
        assert response.status_code == 403 and b"APS_MODELER" in response.content
