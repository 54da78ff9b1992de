"""Personas of STYLE.md and shared fixtures."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from modeler.roles import APS_DEVOPS, APS_MODELER
from projects import services
from tests.factories import ProjectFactory, make_user

PERSONAS = ("anonymous", "no_role", "modeler", "collaborator", "owner", "devops", "superuser")


@pytest.fixture
def owner(db):
    return make_user("olivia", APS_MODELER)


@pytest.fixture
def collaborator(db):
    return make_user("carl", APS_MODELER)


@pytest.fixture
def modeler(db):
    return make_user("mona", APS_MODELER)


@pytest.fixture
def no_role(db):
    return make_user("nora")


@pytest.fixture
def devops(db):
    return make_user("dave", APS_DEVOPS)


@pytest.fixture
def superuser(db):
    return make_user("sam", is_superuser=True, is_staff=True)


@pytest.fixture
def project(owner, collaborator):
    project = ProjectFactory(owner=owner, name="movies-app", description="Movies")
    services.collaborator_add(actor=owner, project=project, username=collaborator.username)
    return project


@pytest.fixture
def personas(owner, collaborator, modeler, no_role, devops, superuser):
    return {
        "anonymous": None,
        "no_role": no_role,
        "modeler": modeler,
        "collaborator": collaborator,
        "owner": owner,
        "devops": devops,
        "superuser": superuser,
    }


@pytest.fixture
def api_as():
    """An APIClient signed in (session) as the given user, or anonymous for None."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def owner_api(api_as, owner):
    return api_as(owner)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2's cost is for production; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def workspace_dir(settings, tmp_path):
    """Every test gets its own workspace folder."""
    settings.MODELER_WORKSPACE_DIR = tmp_path / "workspace"
    return settings.MODELER_WORKSPACE_DIR
