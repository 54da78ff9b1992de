"""An unknown API path answers a JSON 404 in the API's error shape for every method, also to a
signed-in browser session whose request carries no CSRF token (not Django's HTML CSRF page)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unknown_api_path_is_a_json_404_for_every_method(owner, method):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = "/modeling-service/v1/no/such/thing"
    call = getattr(client, method)
    response = call(url) if method == "get" else call(url, data="{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["errorCode"] == "not_found"
    assert body["path"] == "/modeling-service/v1/no/such/thing"


def test_html_pages_still_enforce_csrf(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post("/projects/", {"name": "no-token"})
    assert response.status_code == 403
    assert b"CSRF" in response.content


@pytest.mark.parametrize("url", ["/deployment-service/v1/no/such/thing", "/deployment-service/v1/x%00"])
def test_deployment_service_errors_outside_drf_are_json(devops, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(devops)
    response = client.post(url, data="{}", content_type="application/json")
    assert response.status_code in (400, 404)
    assert response["Content-Type"] == "application/json"
    assert response.json()["errorCode"] in ("not_found", "invalid_text")


@pytest.mark.parametrize("persona, landing", [("devops", "/deployments/"), ("owner", "/projects/")])
def test_signed_in_users_start_where_their_role_works(personas, persona, landing):
    client = Client()
    client.force_login(personas[persona])
    assert client.get("/")["Location"] == landing
