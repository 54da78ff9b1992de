"""Fixtures of the deployments tests: a release of the movies project and a devops user's client."""

from __future__ import annotations

import pytest

from tests.deployments.helpers import grant_deploy_everything, make_release, movies_definition


@pytest.fixture(autouse=True)
def deploy_permission(db):
    return grant_deploy_everything()


@pytest.fixture
def release(owner, project):
    return make_release(owner, project, [movies_definition()])


@pytest.fixture
def devops_api(api_as, devops):
    return api_as(devops)


@pytest.fixture
def body(release):
    """A complete, valid descriptor body for the movies release."""
    return {
        "name": "movies-prod",
        "releaseId": str(release.pk),
        "connectors": {
            "movies": {
                "image": "registry.example.com/team/movies:1.2.0",
                "replicas": 2,
                "variables": {"MOVIES_API_KEY": "k-123", "MOVIES_URL": "https://movies.example.com"},
            }
        },
    }
