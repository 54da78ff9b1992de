"""The deployment service API (SPEC §8.2): descriptors, deployable releases, the zip."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import yaml
from django.db.models import ProtectedError
from guardian.shortcuts import assign_perm

from deployments.models import Descriptor
from modeler.problems import Conflict
from modeler.roles import APS_DEVOPS, APS_MODELER
from projects import archive, services
from projects.models import Release
from tests.deployments.helpers import API, make_release
from tests.factories import ProjectFactory, make_user

pytestmark = pytest.mark.django_db


def create(client, body):
    response = client.post(f"{API}/descriptors", body, format="json")
    assert response.status_code == 201, response.content
    return response


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        return {info.filename: zipped.open(info).read() for info in zipped.infolist()}


def test_create_read_list(devops_api, body, release):
    response = create(devops_api, body)
    entry = response.json()["entry"]
    assert response["ETag"] == '"1"'
    assert entry["name"] == "movies-prod"
    assert entry["releaseId"] == str(release.pk)
    assert entry["release"] == {
        "id": str(release.pk),
        "name": "movies-app",
        "version": "1",
        "projectId": str(release.project_id),
        "projectName": "movies-app",
    }
    assert entry["broker"] == "amqp://rabbitmq:5672"
    assert entry["connectors"] == {
        "movies": {
            "image": "registry.example.com/team/movies:1.2.0",
            "replicas": 2,
            "variables": {"MOVIES_URL": "https://movies.example.com", "TIMEOUT_SECONDS": "30"},
            "secureVariables": {"MOVIES_API_KEY": "set"},
            "destinations": ["movies.getMovieDesc", "movies.rankMovie"],
        }
    }
    assert entry["state"] == "valid"
    assert entry["problems"] == []
    assert entry["createdBy"] == "dave"
    read = devops_api.get(f"{API}/descriptors/{entry['id']}")
    assert read.status_code == 200
    assert read.json() == response.json()
    listed = devops_api.get(f"{API}/descriptors").json()
    assert [e["entry"]["id"] for e in listed["list"]["entries"]] == [entry["id"]]
    assert listed["list"]["pagination"] == {
        "count": 1,
        "hasMoreItems": False,
        "maxItems": 100,
        "skipCount": 0,
        "totalItems": 1,
    }


def test_incomplete_descriptor_is_stored_with_its_problems(devops_api, release):
    response = create(devops_api, {"name": "draft", "releaseId": str(release.pk)})
    entry = response.json()["entry"]
    assert entry["state"] == "problems"
    assert [p["errorCode"] for p in entry["problems"]] == ["image.required", "variable.required"]
    assert entry["connectors"]["movies"]["variables"] == {
        "MOVIES_URL": "https://api.example.com",
        "TIMEOUT_SECONDS": "30",
    }
    assert entry["connectors"]["movies"]["secureVariables"] == {"MOVIES_API_KEY": "not set"}
    validate = devops_api.get(f"{API}/descriptors/{entry['id']}/validate")
    assert validate.status_code == 400
    error = validate.json()
    assert error["message"] == "Validation errors found in the deployment descriptor"
    assert [e["description"] for e in error["errors"]] == [
        "connector 'movies': the image is required (the location of the connector's image)",
        "connector 'movies': the required secure variable 'MOVIES_API_KEY' has no value",
    ]
    export = devops_api.get(f"{API}/descriptors/{entry['id']}/export")
    assert export.status_code == 400
    assert export.json()["errorCode"] == "validation_failed"


def test_latest_is_a_warning_that_does_not_block(devops_api, body):
    body["connectors"]["movies"]["image"] = "movies:latest"
    entry = create(devops_api, body).json()["entry"]
    assert entry["state"] == "valid"
    assert [(p["errorCode"], p["warning"]) for p in entry["problems"]] == [("image.unpinned", True)]
    assert devops_api.get(f"{API}/descriptors/{entry['id']}/validate").status_code == 204
    assert devops_api.get(f"{API}/descriptors/{entry['id']}/export").status_code == 200


def test_change_with_if_match_and_stale_etag(devops_api, body):
    entry = create(devops_api, body).json()["entry"]
    url = f"{API}/descriptors/{entry['id']}"
    changed = devops_api.put(
        url,
        {"connectors": {"movies": {"image": "movies:2.0", "replicas": 5, "variables": {"MOVIES_URL": "u"}}}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == '"2"'
    movies = changed.json()["entry"]["connectors"]["movies"]
    assert (movies["image"], movies["replicas"]) == ("movies:2.0", 5)
    assert movies["variables"] == {"MOVIES_URL": "u", "TIMEOUT_SECONDS": "30"}  # merged: not sent, kept
    assert movies["secureVariables"] == {"MOVIES_API_KEY": "set"}  # not sent: kept
    stale = devops_api.put(url, {"name": "other-name"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["errorCode"] == "version_conflict"
    after = devops_api.get(url)
    assert after["ETag"] == '"2"' and after.json()["entry"]["name"] == "movies-prod"
    malformed = devops_api.put(url, {"name": "x"}, format="json", HTTP_IF_MATCH="nope")
    assert malformed.status_code == 400 and malformed.json()["errorCode"] == "invalid_if_match"
    cleared = devops_api.put(
        url,
        {"connectors": {"movies": {"variables": {"MOVIES_API_KEY": None, "TIMEOUT_SECONDS": None}}}},
        format="json",
    )
    assert cleared.json()["entry"]["connectors"]["movies"]["variables"] == {"MOVIES_URL": "u"}
    assert cleared.json()["entry"]["connectors"]["movies"]["secureVariables"] == {"MOVIES_API_KEY": "not set"}
    assert cleared.json()["entry"]["state"] == "problems"
    renamed = devops_api.put(url, {"name": "movies-staging"}, format="json")
    assert renamed.json()["entry"]["name"] == "movies-staging"


def test_delete(devops_api, body):
    entry = create(devops_api, body).json()["entry"]
    assert devops_api.delete(f"{API}/descriptors/{entry['id']}").status_code == 204
    assert Descriptor.objects.count() == 0
    assert devops_api.get(f"{API}/descriptors/{entry['id']}").status_code == 404


def test_another_devops_user_s_descriptor_is_404(devops_api, api_as, body):
    entry = create(devops_api, body).json()["entry"]
    other = api_as(make_user("dora", APS_DEVOPS))
    for method, suffix in (
        ("get", ""),
        ("put", ""),
        ("delete", ""),
        ("get", "/validate"),
        ("get", "/export"),
    ):
        response = getattr(other, method)(f"{API}/descriptors/{entry['id']}{suffix}", {}, format="json")
        assert response.status_code == 404, (method, suffix)
        assert response.json()["errorCode"] == "not_found"
    assert other.get(f"{API}/descriptors").json()["list"]["entries"] == []
    assert Descriptor.objects.get().name == "movies-prod"


def test_names_are_unique_across_owners(devops_api, api_as, body):
    create(devops_api, body)
    other = api_as(make_user("dora", APS_DEVOPS))
    response = other.post(f"{API}/descriptors", body, format="json")
    assert response.status_code == 409
    assert response.json()["errorCode"] == "name_conflict"
    assert Descriptor.objects.count() == 1


def test_modeler_without_devops_gets_403_and_devops_without_modeler_gets_403_in_modeling(
    api_as, modeler, devops, body
):
    response = api_as(modeler).get(f"{API}/descriptors")
    assert response.status_code == 403
    assert "APS_DEVOPS" in response.json()["message"]
    response = api_as(devops).get("/modeling-service/v1/projects")
    assert response.status_code == 403
    assert "APS_MODELER" in response.json()["message"]


def test_both_roles_open_both_services(api_as, body):
    both = api_as(make_user("bea", APS_MODELER, APS_DEVOPS))
    assert both.get("/modeling-service/v1/projects").status_code == 200
    assert both.post(f"{API}/descriptors", body, format="json").status_code == 201


def test_releases_list_and_detail(devops_api, release, owner):
    other = ProjectFactory(owner=owner, name="books-app")
    empty = make_release(owner, other, [])
    listed = devops_api.get(f"{API}/releases").json()["list"]
    assert [(e["entry"]["projectName"], e["entry"]["version"]) for e in listed["entries"]] == [
        ("books-app", "1"),
        ("movies-app", "1"),
    ]
    detail = devops_api.get(f"{API}/releases/{release.pk}").json()["entry"]
    assert detail["connectors"] == [
        {
            "name": "movies",
            "destinations": ["movies.getMovieDesc", "movies.rankMovie"],
            "variables": [
                {
                    "name": "MOVIES_API_KEY",
                    "description": "API key",
                    "value": "",
                    "required": True,
                    "secure": True,
                },
                {
                    "name": "MOVIES_URL",
                    "description": "Where the API is",
                    "value": "https://api.example.com",
                    "required": True,
                    "secure": False,
                },
                {
                    "name": "TIMEOUT_SECONDS",
                    "description": "",
                    "value": "30",
                    "required": False,
                    "secure": False,
                },
            ],
        }
    ]
    assert devops_api.get(f"{API}/releases/{empty.pk}").json()["entry"]["connectors"] == []
    assert devops_api.post(f"{API}/releases", {}, format="json").status_code == 405


def test_scoped_devops_user_sees_only_granted_projects(api_as, owner, release, deploy_permission):
    from django.contrib.auth.models import Group

    Group.objects.get(name=APS_DEVOPS).permissions.remove(deploy_permission)
    scoped = make_user("sid", APS_DEVOPS)
    client = api_as(scoped)
    other = ProjectFactory(owner=owner, name="books-app")
    granted = make_release(owner, other, [])
    assign_perm("projects.deploy_project", scoped, other)
    listed = client.get(f"{API}/releases").json()["list"]["entries"]
    assert [e["entry"]["id"] for e in listed] == [str(granted.pk)]
    assert client.get(f"{API}/releases/{release.pk}").status_code == 404
    assert (
        client.post(
            f"{API}/descriptors", {"name": "books", "releaseId": str(granted.pk)}, format="json"
        ).status_code
        == 201
    )


def test_release_with_no_connectors_deploys_with_an_empty_connector_list(devops_api, owner):
    project = ProjectFactory(owner=owner, name="plain-app")
    empty = make_release(owner, project, [])
    entry = create(devops_api, {"name": "plain", "releaseId": str(empty.pk)}).json()["entry"]
    assert entry["connectors"] == {} and entry["state"] == "valid"
    files = unzip(devops_api.get(f"{API}/descriptors/{entry['id']}/export").content)
    assert json.loads(files["descriptor.json"])["connectors"] == {}
    assert [name for name in files if name.startswith("kubernetes/")] == ["kubernetes/kustomization.yaml"]


def test_export_zip_layout_and_determinism(devops_api, body, release):
    entry = create(devops_api, body).json()["entry"]
    response = devops_api.get(f"{API}/descriptors/{entry['id']}/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="movies-prod-deployment.zip"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    again = devops_api.get(f"{API}/descriptors/{entry['id']}/export")
    assert again.content == response.content
    files = unzip(response.content)
    release_files = unzip(bytes(Release.objects.get(pk=release.pk).content))
    assert {f"release/{path}": data for path, data in release_files.items()} == {
        name: data for name, data in files.items() if name.startswith("release/")
    }
    assert [name for name in files if not name.startswith("release/")] == [
        "descriptor.json",
        "kubernetes/movies-deployment.yaml",
        "kubernetes/movies-configmap.yaml",
        "kubernetes/movies-secret.yaml",
        "kubernetes/kustomization.yaml",
    ]
    assert list(files)[0] == "descriptor.json"
    descriptor = json.loads(files["descriptor.json"])
    assert descriptor["connectors"]["movies"]["secureVariables"] == {"MOVIES_API_KEY": "set"}
    assert yaml.safe_load(files["kubernetes/movies-secret.yaml"])["stringData"]["MOVIES_API_KEY"] == ""
    deployment = yaml.safe_load(files["kubernetes/movies-deployment.yaml"])
    assert deployment["spec"]["replicas"] == 2
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "1"
    with zipfile.ZipFile(io.BytesIO(response.content)) as zipped:
        assert {info.date_time for info in zipped.infolist()} == {archive.FIXED_DATE_TIME}


def test_release_cannot_be_deleted_while_a_descriptor_names_it(
    devops_api, api_as, body, release, owner, project
):
    create(devops_api, body)
    with pytest.raises(ProtectedError):
        Release.objects.get(pk=release.pk).delete()
    with pytest.raises(Conflict) as refused:
        services.project_delete(actor=owner, project=project)
    assert refused.value.status == 409
    assert "descriptor 'movies-prod'" in refused.value.message
    response = api_as(owner).delete(f"/modeling-service/v1/projects/{project.pk}")
    assert response.status_code == 409
    assert "descriptor 'movies-prod'" in response.json()["message"]
    assert Release.objects.filter(pk=release.pk).exists()
    Descriptor.objects.all().delete()
    Release.objects.get(pk=release.pk).delete()


def test_paging_and_sorting(devops_api, release):
    for name in ("c-app", "a-app", "b-app"):
        create(devops_api, {"name": name, "releaseId": str(release.pk)})
    page = devops_api.get(f"{API}/descriptors?maxItems=2&sort=name,desc").json()["list"]
    assert [e["entry"]["name"] for e in page["entries"]] == ["c-app", "b-app"]
    assert page["pagination"]["hasMoreItems"] is True and page["pagination"]["totalItems"] == 3
    bad = devops_api.get(f"{API}/descriptors?sort=secrets,asc")
    assert bad.status_code == 400 and bad.json()["errorCode"] == "validation_failed"


def test_candidate_validation_stores_nothing(devops_api, body, release):
    response = devops_api.post(f"{API}/descriptors/validate", body, format="json")
    assert response.status_code == 200 and response.json() == {"problems": []}
    body["connectors"]["movies"]["image"] = ""
    response = devops_api.post(f"{API}/descriptors/validate", body, format="json")
    assert response.status_code == 400
    assert [e["errorCode"] for e in response.json()["errors"]] == ["image.required"]
    assert Descriptor.objects.count() == 0


def test_candidate_validation_of_a_change_knows_the_stored_secret(devops_api, body):
    entry = create(devops_api, body).json()["entry"]
    change = {"connectors": {"movies": {"image": "movies:3", "variables": {"MOVIES_URL": "u"}}}}
    response = devops_api.post(
        f"{API}/descriptors/validate?descriptorId={entry['id']}", change, format="json"
    )
    assert response.status_code == 200, response.content


def test_unknown_paths_answer_json_404(devops_api):
    response = devops_api.get(f"{API}/nothing/here")
    assert response.status_code == 404 and response.json()["errorCode"] == "not_found"


def test_candidate_validation_reports_refusals_and_missing_values_together(devops_api, release):
    response = devops_api.post(
        f"{API}/descriptors/validate",
        {"name": "", "releaseId": str(release.pk), "connectors": {"movies": {"image": "Bad Image"}}},
        format="json",
    )
    assert response.status_code == 400
    assert [e["errorCode"] for e in response.json()["errors"]] == [
        "field.empty",
        "image.invalid",
        "variable.required",
    ]


def test_a_descriptor_whose_release_left_the_user_s_set_can_be_read_and_deleted_only(
    devops_api, devops, body, deploy_permission
):
    from django.contrib.auth.models import Group
    from django.test import Client

    entry = create(devops_api, body).json()["entry"]
    Group.objects.get(name=APS_DEVOPS).permissions.remove(deploy_permission)
    url = f"{API}/descriptors/{entry['id']}"
    assert devops_api.get(url).status_code == 200
    for method, suffix in (("put", ""), ("get", "/validate"), ("get", "/export")):
        response = getattr(devops_api, method)(f"{url}{suffix}", {}, format="json")
        assert response.status_code == 404, (method, suffix)
        assert response.json()["message"] == f"Release not found: {entry['releaseId']}"
    page = Client()
    page.force_login(devops)
    assert page.get(f"/deployments/{entry['id']}/").status_code == 404
    assert devops_api.delete(url).status_code == 204
