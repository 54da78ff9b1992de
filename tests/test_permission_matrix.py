"""One permission matrix: every route of the HTML site and the API × every persona of STYLE.md."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from tests.conftest import PERSONAS

API = "/modeling-service/v1"
ROLE_HOLDERS = ("modeler", "collaborator", "owner")


@dataclass
class Route:
    method: str
    url: str  # {project} and {username} are filled in
    expected: dict[str, int]
    data: dict | None = None
    api: bool = False
    label: str = field(default="")
    role: str = "APS_MODELER"  # the role whose absence the route's 403 names


def html(method, url, *, role_holders, anonymous=302, no_role=403, data=None, **overrides) -> Route:
    expected = {p: role_holders for p in ROLE_HOLDERS} | {
        "anonymous": anonymous,
        "no_role": no_role,
        "devops": no_role,
        "superuser": no_role,
    }
    return Route(method, url, expected | overrides, data, False, f"HTML {method} {url}")


def api(method, url, *, role_holders, data=None, **overrides) -> Route:
    expected = {p: role_holders for p in ROLE_HOLDERS} | {
        "anonymous": 401,
        "no_role": 403,
        "devops": 403,
        "superuser": 403,
    }
    return Route(method, url, expected | overrides, data, True, f"API {method} {url}")


DEPLOY_API = "/deployment-service/v1"
NOT_DEVOPS = ("anonymous", "no_role", "modeler", "collaborator", "owner", "superuser")


def devops_api(method, url, *, devops, data=None) -> Route:
    """A deployment service route: APS_DEVOPS only (the modeling roles give nothing there)."""
    expected = {p: 403 for p in NOT_DEVOPS} | {"anonymous": 401, "devops": devops}
    return Route(
        method, DEPLOY_API + url, expected, data, True, f"API {method} {DEPLOY_API}{url}", "APS_DEVOPS"
    )


def devops_html(method, url, *, devops) -> Route:
    expected = {p: 403 for p in NOT_DEVOPS} | {"anonymous": 302, "devops": devops}
    return Route(method, url, expected, None, False, f"HTML {method} {url}", "APS_DEVOPS")


P = "{project}"
M = "{model}"
X = "{process}"
ROUTES = [
    html("get", "/projects/", role_holders=200),
    html("post", "/projects/", role_holders=302, data={"name": "{persona}-new"}),
    html("get", f"/projects/{P}/", role_holders=200, modeler=404),
    html(
        "post",
        f"/projects/{P}/",
        role_holders=302,
        modeler=404,
        data={"name": "movies-app", "description": "x"},
    ),
    html("get", f"/projects/{P}/delete/", role_holders=403, modeler=404, owner=200),
    html(
        "post",
        f"/projects/{P}/delete/",
        role_holders=403,
        modeler=404,
        owner=302,
        data={"confirm_name": "movies-app"},
    ),
    html(
        "post",
        f"/projects/{P}/collaborators/",
        role_holders=403,
        modeler=404,
        owner=302,
        data={"username": "mona"},
    ),
    html("post", f"/projects/{P}/collaborators/carl/remove/", role_holders=403, modeler=404, owner=302),
    Route("get", "/admin/", {p: 302 for p in PERSONAS} | {"superuser": 200}, label="HTML admin"),
    api("get", "/projects", role_holders=200),
    api("post", "/projects", role_holders=201, data={"name": "{persona}-new"}),
    api("get", f"/projects/{P}", role_holders=200, modeler=404),
    api("put", f"/projects/{P}", role_holders=200, modeler=404, data={"description": "changed"}),
    api("delete", f"/projects/{P}", role_holders=403, modeler=404, owner=204),
    api("get", f"/projects/{P}/collaborators", role_holders=200, modeler=404),
    api("put", f"/projects/{P}/collaborators/mona", role_holders=403, modeler=404, owner=200),
    api("delete", f"/projects/{P}/collaborators/carl", role_holders=403, modeler=404, owner=204),
    html("get", f"/projects/{P}/connectors/{M}/", role_holders=200, modeler=404),
    html("post", f"/projects/{P}/connectors/", role_holders=302, modeler=404, data={"name": "{persona}-c"}),
    api("get", f"/projects/{P}/models?type=CONNECTOR", role_holders=200, modeler=404),
    api(
        "post",
        f"/projects/{P}/models",
        role_holders=201,
        modeler=404,
        data={"name": "{persona}-c", "type": "CONNECTOR"},
    ),
    api("get", f"/models/{M}", role_holders=200, modeler=404),
    api("put", f"/models/{M}", role_holders=200, modeler=404, data={"description": "changed"}),
    api("delete", f"/models/{M}", role_holders=204, modeler=404),
    api("get", f"/models/{M}/content", role_holders=200, modeler=404),
    api("get", f"/models/{M}/export", role_holders=200, modeler=404),
    api("get", f"/models/{M}/versions", role_holders=200, modeler=404),
    api("get", f"/models/{M}/scaffold", role_holders=200, modeler=404),
    api("get", f"/projects/{P}/implementations", role_holders=200, modeler=404),
    api("get", "/schemas/CONNECTOR", role_holders=200),
    html("get", f"/projects/{P}/processes/{X}/", role_holders=200, modeler=404),
    html("post", f"/projects/{P}/processes/", role_holders=302, modeler=404, data={"name": "{persona}-p"}),
    api("get", f"/projects/{P}/models?type=PROCESS", role_holders=200, modeler=404),
    api(
        "post",
        f"/projects/{P}/models",
        role_holders=201,
        modeler=404,
        data={"name": "{persona}-p", "type": "PROCESS"},
    ),
    api("get", f"/models/{X}", role_holders=200, modeler=404),
    api("put", f"/models/{X}", role_holders=200, modeler=404, data={"description": "changed"}),
    api("get", f"/models/{X}/content", role_holders=200, modeler=404),
    api("get", f"/models/{X}/export", role_holders=200, modeler=404),
    api("delete", f"/models/{X}", role_holders=204, modeler=404),
    api("get", "/schemas/PROCESS-EXTENSION", role_holders=200),
    # archive and releases: collaborators may export, copy, validate and release; the matrix's
    # process is work in progress (its start event leads nowhere), so validation answers 400
    api("post", "/projects/import", role_holders=201, data={"file": "{zip}", "name": "{persona}-imported"}),
    api("get", f"/projects/{P}/export", role_holders=200, modeler=404),
    api("get", f"/projects/{P}/export?attachment=true", role_holders=200, modeler=404),
    api("post", f"/projects/{P}/copy", role_holders=200, modeler=404, data={"name": "{persona}-copy"}),
    api("get", f"/projects/{P}/validate", role_holders=400, modeler=404),
    api("get", f"/projects/{P}/releases", role_holders=200, modeler=404),
    api("post", f"/projects/{P}/releases", role_holders=400, modeler=404, data={"comment": "x"}),
    api("post", f"/projects/{P}/releases/upload", role_holders=201, modeler=404, data={"file": "{zip}"}),
    api("get", "/releases/{release}", role_holders=200, modeler=404),
    api("get", "/releases/{release}/export", role_holders=200, modeler=404),
    api("post", "/releases/{release}/restore", role_holders=200, modeler=404),
    api("post", f"/models/{X}/versions/1/restore", role_holders=200, modeler=404),
    # test runs (issue #14): a collaborator may run; {run} is a run of {process}
    api("post", f"/models/{X}/runs", role_holders=202, modeler=404, data={"timeoutSeconds": "5"}),
    api("get", f"/models/{X}/runs", role_holders=200, modeler=404),
    api("get", "/runs/{run}", role_holders=200, modeler=404),
    api("get", f"/models/{X}/versions/1", role_holders=200, modeler=404),
    api("get", f"/models/{X}/versions/0.0.1/content", role_holders=200, modeler=404),
    html("get", f"/projects/{P}/models.json", role_holders=200, modeler=404),
    html("post", f"/projects/{P}/revalidate", role_holders=200, modeler=404),
    html("get", f"/projects/{P}/models/{M}/editor.json", role_holders=200, modeler=404),
    html("get", f"/projects/{P}/models/{X}/editor.json", role_holders=200, modeler=404),
    html("get", f"/projects/{P}/models/{M}/usages.json", role_holders=200, modeler=404),
    html("post", f"/projects/{P}/models/{M}/rename", role_holders=200, modeler=404),
    html("post", f"/projects/{P}/models/{X}/duplicate", role_holders=400, modeler=404),
    Route("get", f"{API}/openapi.json", {p: 200 for p in PERSONAS}, api=False, label="API openapi.json"),
    # deployments (APS_DEVOPS): the devops persona owns {descriptor}, made from {release}
    devops_html("get", "/deployments/", devops=200),
    devops_html("get", "/deployments/new/?release={release}", devops=200),
    devops_html("get", "/deployments/{descriptor}/", devops=200),
    devops_api("get", "/releases", devops=200),
    devops_api("get", "/releases/{release}", devops=200),
    devops_api("get", "/descriptors", devops=200),
    devops_api("post", "/descriptors", devops=201, data={"name": "{persona}-app", "releaseId": "{release}"}),
    devops_api("post", "/descriptors/validate", devops=400, data={"name": "x", "releaseId": "{release}"}),
    devops_api("get", "/descriptors/{descriptor}", devops=200),
    devops_api("put", "/descriptors/{descriptor}", devops=200, data={"broker": "amqp://other:5672"}),
    devops_api("get", "/descriptors/{descriptor}/validate", devops=204),
    devops_api("get", "/descriptors/{descriptor}/export", devops=200),
    devops_api("delete", "/descriptors/{descriptor}", devops=204),
]


def _client(user, api_route: bool):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.label)
def test_route_answers_persona(route: Route, persona: str, personas, project):
    from projects import services

    connector, _ = services.model_create(
        actor=personas["owner"], project=project, type_name="CONNECTOR", name="movies"
    )
    process, _ = services.model_create(
        actor=personas["owner"], project=project, type_name="PROCESS", name="rank-movie"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects import archive, releases

    export = archive.export_zip(project)
    release = releases.release_upload(actor=personas["owner"], project=project, data=export)
    descriptor = None
    if route.role == "APS_DEVOPS":  # a descriptor protects its release: made only where it is used
        from deployments import services as deployment_services
        from tests.deployments.helpers import grant_deploy_everything

        grant_deploy_everything()
        descriptor = deployment_services.descriptor_create(
            actor=personas["devops"],
            body={
                "name": "matrix-app",
                "releaseId": str(release.pk),
                "connectors": {"movies": {"image": "movies:1.0"}},
            },
        )
    run = None
    if "{run}" in route.url:
        from runs.models import Run

        run = Run.objects.create(
            model=process, model_version=1, content=b"", timeout_seconds=1, step_timeout_seconds=1
        )
    user = personas[persona]
    client = _client(user, route.api)
    url = (
        route.url.replace("{project}", str(project.pk))
        .replace("{model}", str(connector.pk))
        .replace("{process}", str(process.pk))
        .replace("{release}", str(release.pk))
        .replace("{descriptor}", str(descriptor.pk) if descriptor else "")
        .replace("{run}", str(run.pk) if run else "")
    )
    if route.api and not url.startswith((API, DEPLOY_API)):
        url = API + url
    data = None
    if route.data is not None:
        data = {
            k: v.replace("{persona}", persona.replace("_", "-")).replace("{release}", str(release.pk))
            for k, v in route.data.items()
        }
    upload = data is not None and data.get("file") == "{zip}"
    if upload:
        data["file"] = SimpleUploadedFile("project.zip", export, "application/zip")
    call = getattr(client, route.method)
    response = call(url, data, format="multipart" if upload else "json") if route.api else call(url, data)
    expected = route.expected[persona]
    assert response.status_code == expected, (persona, route.label, response.content[:300])
    if route.api and expected >= 400:
        body = response.json()
        assert body["status"] == expected and body["errorCode"], body
    lacking = {"no_role", "devops", "superuser"} if route.role == "APS_MODELER" else set(NOT_DEVOPS)
    if expected == 403 and persona in lacking and route.label != "HTML admin":
        assert route.role.encode() in response.content
    if expected == 302 and persona == "anonymous" and not route.api:
        assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_project_lists_hold_exactly_the_visible_set(personas, project, api_as, client):
    from tests.factories import ProjectFactory

    other = ProjectFactory(owner=personas["modeler"], name="private-one")
    expected = {
        "owner": {str(project.pk)},
        "collaborator": {str(project.pk)},
        "modeler": {str(other.pk)},
    }
    for persona, ids in expected.items():
        body = api_as(personas[persona]).get(f"{API}/projects").json()
        assert {e["entry"]["id"] for e in body["list"]["entries"]} == ids, persona
        assert body["list"]["pagination"]["totalItems"] == len(ids)
        client.force_login(personas[persona])
        page = client.get("/projects/").content.decode()
        for candidate, name in ((project, "movies-app"), (other, "private-one")):
            assert (f"/projects/{candidate.pk}/" in page) == (str(candidate.pk) in ids), (persona, name)


@pytest.mark.django_db
def test_visible_set_equals_guardians_answer(personas, project):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm, get_objects_for_user

    from projects.permissions import projects_visible_to
    from tests.factories import ProjectFactory

    team = Group.objects.create(name="team")
    personas["modeler"].groups.add(team)
    shared = ProjectFactory(owner=personas["owner"], name="shared-by-group")
    assign_perm("projects.view_project", team, shared)
    for persona in ("owner", "collaborator", "modeler"):
        user = personas[persona]
        guardian_set = set(
            get_objects_for_user(
                user, "projects.view_project", accept_global_perms=False, with_superuser=False
            )
        )
        assert set(projects_visible_to(user)) == guardian_set, persona
    assert set(projects_visible_to(personas["modeler"])) == {shared}
