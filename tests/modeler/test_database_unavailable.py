"""A dropped database connection answers 503 with Retry-After (API JSON and HTML), and a retry works."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, connection

from projects import selectors

API = "/modeling-service/v1"


def _broken_project_list(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_api_answers_503_json(owner_api, monkeypatch):
    monkeypatch.setattr(selectors, "project_list", _broken_project_list)
    response = owner_api.get(f"{API}/projects")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["errorCode"] == "database_unavailable"
    assert "retry" in body["message"].lower()
    assert "server closed" not in response.content.decode()


@pytest.mark.django_db
def test_page_answers_503_html(client, owner, monkeypatch):
    monkeypatch.setattr(selectors, "project_list", _broken_project_list)
    client.force_login(owner)
    response = client.get("/projects/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Nothing you saved is lost" in response.content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_killed_mid_request_then_retry_works(owner_api, owner, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings = connection.settings_dict
    real_project_list = selectors.project_list

    def killed_mid_request(*args, **kwargs):
        pid = connection.connection.info.backend_pid
        with psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            dbname=settings["NAME"],
            autocommit=True,
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real_project_list(*args, **kwargs)

    monkeypatch.setattr(selectors, "project_list", killed_mid_request)
    response = owner_api.get(f"{API}/projects")
    assert response.status_code == 503
    assert response.json()["errorCode"] == "database_unavailable"

    monkeypatch.setattr(selectors, "project_list", real_project_list)
    connection.close_if_unusable_or_obsolete()
    retry = owner_api.post(f"{API}/projects", {"name": "after-outage"}, format="json")
    assert retry.status_code == 201
