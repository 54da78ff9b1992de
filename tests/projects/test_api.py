"""Projects API: envelopes, paging, sorting, CRUD, collaborators, the error shape."""

from __future__ import annotations

import pytest

from projects.models import Project
from tests.factories import ProjectFactory

API = "/modeling-service/v1"
pytestmark = pytest.mark.django_db


def test_create_returns_entry_and_owner_sees_it(owner_api, owner):
    response = owner_api.post(
        f"{API}/projects", {"name": "rank-movies", "description": "Ranks"}, format="json"
    )
    assert response.status_code == 201
    entry = response.json()["entry"]
    assert entry["name"] == "rank-movies"
    assert entry["description"] == "Ranks"
    assert entry["version"] == "0"
    assert entry["createdBy"] == owner.username
    assert entry["creationDate"].endswith("Z")
    listed = owner_api.get(f"{API}/projects").json()["list"]
    assert [e["entry"]["id"] for e in listed["entries"]] == [entry["id"]]


def test_list_paging_and_sorting(owner_api, owner):
    for name in ["charlie", "alpha", "echo", "bravo", "delta"]:
        ProjectFactory(owner=owner, name=name)
    body = owner_api.get(f"{API}/projects", {"skipCount": 1, "maxItems": 2, "sort": "name,desc"}).json()
    assert [e["entry"]["name"] for e in body["list"]["entries"]] == ["delta", "charlie"]
    assert body["list"]["pagination"] == {
        "count": 2,
        "hasMoreItems": True,
        "maxItems": 2,
        "skipCount": 1,
        "totalItems": 5,
    }
    last = owner_api.get(f"{API}/projects", {"skipCount": 4}).json()["list"]
    assert [e["entry"]["name"] for e in last["entries"]] == ["echo"]
    assert last["pagination"]["hasMoreItems"] is False


def test_name_filter_is_case_insensitive_contains(owner_api, owner):
    ProjectFactory(owner=owner, name="movie-night")
    ProjectFactory(owner=owner, name="payroll")
    names = [
        e["entry"]["name"] for e in owner_api.get(f"{API}/projects?name=MOVIE").json()["list"]["entries"]
    ]
    assert names == ["movie-night"]


def test_update_and_delete(owner_api, project):
    url = f"{API}/projects/{project.pk}"
    response = owner_api.put(url, {"name": "movies-renamed", "description": "new"}, format="json")
    assert response.status_code == 200
    assert response.json()["entry"]["name"] == "movies-renamed"
    project.refresh_from_db()
    assert (project.name, project.description) == ("movies-renamed", "new")
    assert owner_api.delete(url).status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()
    assert owner_api.get(url).status_code == 404


def test_collaborator_can_edit_but_not_delete(api_as, collaborator, project):
    client = api_as(collaborator)
    url = f"{API}/projects/{project.pk}"
    assert client.put(url, {"description": "by carl"}, format="json").status_code == 200
    response = client.delete(url)
    assert response.status_code == 403
    assert response.json()["message"] == "Only the owner of the project can delete it."
    assert Project.objects.filter(pk=project.pk).exists()


def test_collaborators_add_list_remove(owner_api, project, modeler, no_role):
    base = f"{API}/projects/{project.pk}/collaborators"
    added = owner_api.put(f"{base}/{modeler.username}")
    assert added.status_code == 200
    assert added.json()["entry"]["username"] == modeler.username
    names = [e["entry"]["username"] for e in owner_api.get(base).json()["list"]["entries"]]
    assert names == ["carl", "mona"]
    refused = owner_api.put(f"{base}/{no_role.username}")
    ghost = owner_api.put(f"{base}/ghost")
    # an account without the role and no account at all answer alike: no directory of users
    assert refused.status_code == ghost.status_code == 404
    assert "APS_MODELER" in refused.json()["message"]
    assert refused.json()["message"].replace(no_role.username, "ghost") == ghost.json()["message"]
    assert owner_api.delete(f"{base}/{modeler.username}").status_code == 204
    names = [e["entry"]["username"] for e in owner_api.get(base).json()["list"]["entries"]]
    assert names == ["carl"]


def test_removed_collaborator_loses_access(api_as, owner_api, project, collaborator):
    owner_api.delete(f"{API}/projects/{project.pk}/collaborators/{collaborator.username}")
    assert api_as(collaborator).get(f"{API}/projects/{project.pk}").status_code == 404


def test_duplicate_name_per_owner_is_409_but_other_owner_may_reuse(owner_api, api_as, modeler, project):
    response = owner_api.post(f"{API}/projects", {"name": project.name}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["errorCode"] == "name_conflict"
    assert api_as(modeler).post(f"{API}/projects", {"name": project.name}, format="json").status_code == 201


def test_token_and_basic_authentication(owner, project):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.factories import PASSWORD

    token = Token.objects.create(user=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"{API}/projects/{project.pk}").status_code == 200
    basic = APIClient()
    basic.credentials(
        HTTP_AUTHORIZATION="Basic "
        + __import__("base64").b64encode(f"{owner.username}:{PASSWORD}".encode()).decode()
    )
    assert basic.get(f"{API}/projects/{project.pk}").status_code == 200
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Basic " + __import__("base64").b64encode(b"olivia:nope").decode())
    response = wrong.get(f"{API}/projects")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "authentication_failed"


def test_session_writes_need_csrf(owner):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(f"{API}/projects", {"name": "csrf-less"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    assert not Project.objects.filter(name="csrf-less").exists()


def test_openapi_document_lists_the_routes(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert f"{API}/projects" in paths
    assert f"{API}/projects/{{project_id}}/collaborators/{{username}}" in paths
    assert client.get(f"{API}/docs").status_code == 200


def test_unknown_api_path_answers_json_404(owner_api):
    response = owner_api.get(f"{API}/no-such-thing")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "not_found"
