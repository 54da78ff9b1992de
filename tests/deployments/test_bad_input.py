"""Bad input to the deployment service: the API error shape, nothing stored, nothing lost."""

from __future__ import annotations

import json

import pytest

from deployments.models import Descriptor
from projects.models import Release
from tests.deployments.helpers import API
from tests.deployments.test_rules import MALFORMED_IMAGES
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def existing(devops_api, body):
    """A stored descriptor whose bytes and ETag must survive every refused request."""
    body = json.loads(json.dumps(body))
    body["name"] = "kept-app"
    response = devops_api.post(f"{API}/descriptors", body, format="json")
    assert response.status_code == 201
    return response.json()["entry"]["id"]


def snapshot(devops_api, descriptor_id):
    response = devops_api.get(f"{API}/descriptors/{descriptor_id}")
    row = Descriptor.objects.get(pk=descriptor_id)
    return response["ETag"], response.content, row.secrets, Descriptor.objects.count()


def assert_error(response, status, *, code=None, words=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"timestamp", "status", "error", "message", "path", "errors", "errorCode"}
    assert body["status"] == status
    assert body["errors"] and all({"problem", "description", "errorCode"} <= set(e) for e in body["errors"])
    if code:
        assert code in [body["errorCode"], *(e["errorCode"] for e in body["errors"])], body
    if words:
        assert words in json.dumps(body), body
    return body


@pytest.mark.parametrize(
    ("image", "words"), MALFORMED_IMAGES, ids=[repr(i[:40]) for i, _ in MALFORMED_IMAGES]
)
def test_malformed_images_are_refused_on_create_and_change(devops_api, body, existing, image, words):
    before = snapshot(devops_api, existing)
    body["connectors"]["movies"]["image"] = image
    created = devops_api.post(f"{API}/descriptors", body, format="json")
    error = assert_error(created, 400, code="image.invalid")
    assert any(
        e["description"].startswith("connector 'movies': invalid image reference")
        or "connector 'movies'" in e["description"]
        for e in error["errors"]
    )
    changed = devops_api.put(
        f"{API}/descriptors/{existing}", {"connectors": {"movies": {"image": image}}}, format="json"
    )
    assert_error(changed, 400, code="image.invalid")
    assert snapshot(devops_api, existing) == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"name": "Bad Name"}, "regex.mismatch"),
        ({"name": "x" * 27}, "length.greater"),
        ({"name": 42}, "validation_failed"),
        ({"name": ""}, "field.empty"),
        ({"releaseId": 5}, "field.required"),
        ({"broker": "http://rabbit"}, "broker.invalid"),
        ({"broker": "amqp://u:p@rabbit"}, "broker.credentials"),
        ({"connectors": []}, "field.invalid"),
        ({"connectors": {"books": {"image": "books:1"}}}, "connector.unknown"),
        ({"connectors": {"movies": "movies:1"}}, "field.invalid"),
        ({"connectors": {"movies": {"replicas": 0}}}, "replicas.range"),
        ({"connectors": {"movies": {"replicas": 51}}}, "replicas.range"),
        ({"connectors": {"movies": {"replicas": "2"}}}, "field.invalid"),
        ({"connectors": {"movies": {"replicas": 10**20}}}, "replicas.range"),
        ({"connectors": {"movies": {"variables": {"MOVIES_URL": 1}}}}, "variable.invalid"),
        ({"connectors": {"movies": {"variables": {"MOVIES_URL": True}}}}, "variable.invalid"),
        ({"connectors": {"movies": {"variables": {"MOVIES_API_KEY": ["x"]}}}}, "variable.invalid"),
        ({"connectors": {"movies": {"variables": {"BAD-NAME": "x"}}}}, "variable.name_invalid"),
        ({"connectors": {"movies": {"variables": {"BROKER_URL": "x"}}}}, "variable.name_reserved"),
        ({"connectors": {"movies": {"variables": {f"V{i}": "x" for i in range(201)}}}}, "variables.too_many"),
        ({"connectors": {"movies": {"variables": {"MOVIES_URL": "x" * 70_000}}}}, "length.greater"),
        ({"surprise": 1}, "field.unknown"),
    ],
)
def test_wrong_shapes_and_values(devops_api, body, existing, change, code):
    before = snapshot(devops_api, existing)
    created = devops_api.post(f"{API}/descriptors", body | change, format="json")
    assert_error(created, 400, code=code)
    if "releaseId" not in change:
        changed = devops_api.put(f"{API}/descriptors/{existing}", change, format="json")
        assert_error(changed, 400, code=code)
    assert snapshot(devops_api, existing) == before


@pytest.mark.parametrize(
    "raw",
    [
        b"[1, 2]",
        b'"text"',
        b"{",
        b'{"name": "a", "name": "b"}',
        b"[" * 5000 + b"]" * 5000,
        b'{"n": NaN}',
        b"\xff\xfe",
    ],
    ids=["list", "string", "truncated", "duplicate-keys", "deep", "nan", "not-utf8"],
)
def test_malformed_json_bodies(devops_api, existing, raw):
    before = snapshot(devops_api, existing)
    for method, url in (("post", f"{API}/descriptors"), ("put", f"{API}/descriptors/{existing}")):
        response = getattr(devops_api, method)(url, raw, content_type="application/json")
        assert_error(response, 400)
    assert snapshot(devops_api, existing) == before


def test_oversized_body_is_413(devops_api, body, existing):
    before = snapshot(devops_api, existing)
    body["connectors"]["movies"]["variables"]["HUGE"] = "x" * (1024 * 1024 + 10)
    for method, url in (("post", f"{API}/descriptors"), ("put", f"{API}/descriptors/{existing}")):
        response = getattr(devops_api, method)(url, json.dumps(body), content_type="application/json")
        assert_error(response, 413, code="payload_too_large")
    assert snapshot(devops_api, existing) == before


def test_wrong_content_type_is_415(devops_api, body, existing):
    before = snapshot(devops_api, existing)
    response = devops_api.post(
        f"{API}/descriptors", "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415)
    assert snapshot(devops_api, existing) == before


def test_release_of_a_project_the_user_cannot_see_is_404(
    api_as, owner, body, existing, devops_api, deploy_permission
):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from modeler.roles import APS_DEVOPS
    from tests.deployments.helpers import make_release
    from tests.factories import make_user

    Group.objects.get(name=APS_DEVOPS).permissions.remove(deploy_permission)
    scoped = make_user("sid", APS_DEVOPS)
    granted = ProjectFactory(owner=owner, name="books-app")
    make_release(owner, granted, [])
    assign_perm("projects.deploy_project", scoped, granted)
    before = Descriptor.objects.count()
    response = api_as(scoped).post(f"{API}/descriptors", body | {"name": "sneaky"}, format="json")
    assert_error(response, 404, code="not_found", words=f"Release not found: {body['releaseId']}")
    response = api_as(scoped).post(f"{API}/descriptors/validate", body | {"name": "sneaky"}, format="json")
    assert_error(response, 404, code="not_found")
    assert Descriptor.objects.count() == before


@pytest.mark.parametrize("release_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "' OR 1=1 --"])
def test_unknown_release_is_404(devops_api, body, existing, release_id):
    before = snapshot(devops_api, existing)
    response = devops_api.post(
        f"{API}/descriptors", body | {"name": "ghost", "releaseId": release_id}, format="json"
    )
    assert_error(response, 404, code="not_found")
    response = devops_api.put(f"{API}/descriptors/{existing}", {"releaseId": release_id}, format="json")
    assert_error(response, 404, code="not_found")
    assert snapshot(devops_api, existing) == before


def test_deleted_release_is_404(devops_api, body, owner):
    project = ProjectFactory(owner=owner, name="gone-app")
    from tests.deployments.helpers import make_release

    gone = make_release(owner, project, [])
    gone_id = str(gone.pk)
    Release.objects.filter(pk=gone.pk).delete()
    before = Descriptor.objects.count()
    response = devops_api.post(f"{API}/descriptors", {"name": "ghost", "releaseId": gone_id}, format="json")
    assert_error(response, 404, words=f"Release not found: {gone_id}")
    assert Descriptor.objects.count() == before


def test_nul_characters_are_refused(devops_api, body, existing):
    before = snapshot(devops_api, existing)
    body["connectors"]["movies"]["variables"]["MOVIES_URL"] = "a\u0000b"
    response = devops_api.post(f"{API}/descriptors", body, format="json")
    assert_error(response, 400)
    assert snapshot(devops_api, existing) == before


def test_duplicate_name_is_409(devops_api, body, existing):
    before = snapshot(devops_api, existing)
    response = devops_api.post(f"{API}/descriptors", body | {"name": "kept-app"}, format="json")
    assert_error(response, 409, code="name_conflict")
    assert snapshot(devops_api, existing) == before
