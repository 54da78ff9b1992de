"""Token authentication reads the token, its user and the user's roles in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

API = "/modeling-service/v1"


def _get(client, key: str):
    return client.get(f"{API}/projects", HTTP_AUTHORIZATION=f"Token {key}")


@pytest.mark.django_db
def test_the_token_user_and_roles_are_one_query(client, owner):
    key = Token.objects.create(user=owner).key
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, key)
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    # the token with its user and roles, then the page of projects: no query of its own for the roles
    assert len(sql) == 2, sql
    assert "authtoken_token" in sql[0] and "auth_group" in sql[0], sql[0]
    assert '"projects_project"' in sql[1], sql[1]


@pytest.mark.django_db
def test_a_token_without_the_role_is_403_and_a_wrong_one_401(client, no_role, devops, owner):
    assert _get(client, Token.objects.create(user=no_role).key).status_code == 403
    assert _get(client, Token.objects.create(user=devops).key).status_code == 403
    assert _get(client, "0" * 40).status_code == 401
    key = Token.objects.create(user=owner).key
    owner.is_active = False
    owner.save()
    assert _get(client, key).status_code == 401


@pytest.mark.django_db
def test_a_role_granted_or_taken_counts_at_the_next_call(client, no_role):
    from django.contrib.auth.models import Group

    from modeler.roles import APS_MODELER

    key = Token.objects.create(user=no_role).key
    assert _get(client, key).status_code == 403
    no_role.groups.add(Group.objects.get(name=APS_MODELER))
    assert _get(client, key).status_code == 200
    no_role.groups.clear()
    assert _get(client, key).status_code == 403
