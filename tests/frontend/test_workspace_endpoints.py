"""The workspace page's own JSON endpoints (editor data, connector usages, rename with the
processes, duplicate, revalidate, the tree's models), through the one permission policy; the
site's 404 page with DEBUG on; the favicon."""

from __future__ import annotations

import json

import pytest

from processes.bpmn import read_bpmn
from processes.mapping import extensions_file
from projects.models import Model, ModelVersion
from tests.browser.test_editor_fixes import _movies_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def movies(owner, collaborator, workspace_dir):
    project = _movies_project(owner)
    from projects import services

    services.collaborator_add(actor=owner, project=project, username=collaborator.username)
    return (
        project,
        Model.objects.get(project=project, type="CONNECTOR"),
        Model.objects.get(project=project, type="PROCESS"),
    )


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_editor_data_and_who_may_read_it(client, movies, owner, modeler, no_role):
    project, connector, process = movies
    url = f"/projects/{project.pk}/models/{process.pk}/editor.json"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(owner)
    data = client.get(url).json()
    assert data["type"] == "PROCESS" and data["name"] == "rank-movie" and data["etag"] == '"0.0.1"'
    assert data["content"] == bytes(process.content).decode()
    assert "Process_rk7m2q9x" in data["extensions"]
    assert data["canChange"] is True
    # a model of another project through this project's URL does not exist
    other = client.get(f"/projects/{project.pk}/models/{project.pk}/editor.json")
    assert other.status_code == 404
    client.force_login(modeler)
    assert client.get(url).status_code == 404
    client.force_login(no_role)
    assert client.get(url).status_code == 403


def test_usages_and_rename_with_the_processes(client, movies, collaborator, modeler):
    project, connector, process = movies
    client.force_login(modeler)
    assert (
        _post(client, f"/projects/{project.pk}/models/{connector.pk}/rename", {"name": "films"}).status_code
        == 404
    )
    client.force_login(collaborator)
    usages = client.get(f"/projects/{project.pk}/models/{connector.pk}/usages.json").json()["usages"]
    assert usages == [
        {
            "modelId": str(process.pk),
            "modelName": "rank-movie",
            "tasks": [{"id": "Task_1spvopd", "name": "look up", "implementation": "movies.getMovieDesc"}],
        }
    ]
    refused = _post(client, f"/projects/{project.pk}/models/{connector.pk}/rename", {"name": "Films"})
    assert refused.status_code == 400 and refused.json()["message"]
    answer = _post(
        client,
        f"/projects/{project.pk}/models/{connector.pk}/rename",
        {"name": "films", "updateProcesses": True},
    )
    assert answer.status_code == 200
    assert answer.json()["updatedProcesses"] == ["rank-movie"]
    connector.refresh_from_db()
    process.refresh_from_db()
    assert connector.name == "films" and json.loads(bytes(connector.content))["name"] == "films"
    assert read_bpmn(bytes(process.content)).implementations() == {"Task_1spvopd": "films.getMovieDesc"}
    assert not any(p["problem"].startswith("Invalid service implementation") for p in process.problems)

    # Without the update, the process keeps naming the old connector (and says so).
    answer = _post(client, f"/projects/{project.pk}/models/{connector.pk}/rename", {"name": "movies"})
    assert answer.json()["updatedProcesses"] == []
    process.refresh_from_db()
    assert read_bpmn(bytes(process.content)).implementations() == {"Task_1spvopd": "films.getMovieDesc"}


def test_revalidate_refreshes_problems_without_a_version(client, movies, owner):
    project, connector, process = movies
    from projects import services

    document = json.loads(bytes(connector.content))
    for action in document["actions"].values():
        action["name"] = "renamed"
    services.model_save_content(actor=owner, model=connector, content=json.dumps(document).encode())
    process.refresh_from_db()
    assert not any("Invalid service implementation" in p["problem"] for p in process.problems)  # stale
    client.force_login(owner)
    models = client.post(f"/projects/{project.pk}/revalidate").json()["models"]
    process.refresh_from_db()
    assert any("Invalid service implementation" in p["problem"] for p in process.problems)
    assert process.version == 1 and ModelVersion.objects.filter(model=process).count() == 1
    [summary] = [m for m in models if m["id"] == str(process.pk)]
    assert summary["errors"] >= 1


def test_duplicate_gets_new_names_and_process_ids(client, movies, owner):
    project, connector, process = movies
    client.force_login(owner)
    answer = _post(client, f"/projects/{project.pk}/models/{process.pk}/duplicate", {"name": "rank-movie-2"})
    assert answer.status_code == 201
    copy = Model.objects.get(pk=answer.json()["model"]["id"])
    (copied_process,) = read_bpmn(bytes(copy.content)).processes
    assert copied_process.id != "Process_rk7m2q9x" and copied_process.id.startswith("Process_")
    assert list(copy.extensions) == [copied_process.id]
    assert (
        copy.extensions[copied_process.id]["mappings"] == process.extensions["Process_rk7m2q9x"]["mappings"]
    )
    assert not any(p["problem"] == "Process ids must be unique" for p in copy.problems)
    answer = _post(client, f"/projects/{project.pk}/models/{connector.pk}/duplicate", {"name": "movies-2"})
    copy = Model.objects.get(pk=answer.json()["model"]["id"])
    assert json.loads(bytes(copy.content))["name"] == "movies-2"
    taken = _post(client, f"/projects/{project.pk}/models/{connector.pk}/duplicate", {"name": "movies-2"})
    assert taken.status_code == 409


def test_models_list_shows_the_connector_description_from_its_json(client, movies, owner):
    project, connector, process = movies
    client.force_login(owner)
    models = client.get(f"/projects/{project.pk}/models.json").json()["models"]
    described = {m["name"]: m["description"] for m in models}
    assert described["movies"] == json.loads(bytes(connector.content))["description"]
    assert described["movies"]


def test_our_404_page_also_with_debug(client, settings, owner):
    settings.DEBUG = True
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"This page does not exist" in response.content
    assert b"URLconf" not in response.content
    assert client.get("/projects").status_code == 301  # a missing slash still redirects
    assert client.get("/projects")["Location"] == "/projects/"


def test_a_view_404_is_our_page_too_with_debug(client, settings, owner):
    settings.DEBUG = True
    client.force_login(owner)
    response = client.get("/projects/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert b"This page does not exist" in response.content
    assert b"technical_404" not in response.content and b"Django tried" not in response.content


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"


def test_the_editor_gets_the_variables_in_the_order_of_the_extensions_file(client, movies, owner):
    project, _, process = movies
    from projects import services

    [process_id] = process.extensions
    variables = {
        key: {"id": key, "name": name, "type": "string", "required": False, "value": ""}
        for key, name in (("a-1", "zebra"), ("b-2", "apple"), ("c-3", "mango"))  # ids not in name order
    }
    services.model_save_content(
        actor=owner,
        model=process,
        content=bytes(process.content),
        extensions={process_id: {"properties": variables, "mappings": {}, "constants": {}}},
    )
    client.force_login(owner)
    data = client.get(f"/projects/{project.pk}/models/{process.pk}/editor.json").json()
    shown = [v["name"] for v in data["extensions"][process_id]["properties"].values()]
    assert shown == ["apple", "mango", "zebra"]
    process.refresh_from_db()
    written = extensions_file(str(process.pk), process.name, process.extensions)  # the workspace's file
    listed = [v["name"] for v in json.loads(written)["extensions"][process_id]["properties"].values()]
    assert listed == shown
