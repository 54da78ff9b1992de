"""Shared makers of the deployments tests: connector definitions, releases, the deploy permission."""

from __future__ import annotations

import copy
import json

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from modeler.roles import APS_DEVOPS
from projects import archive, releases, services
from projects.models import Project

API = "/deployment-service/v1"
CANARY = "canary-5ecret-Zq7!xv"


def grant_deploy_everything() -> Permission:
    """What migration deployments.0002 does (transactional tests flush it away)."""
    project_type = ContentType.objects.get_for_model(Project)
    deploy, _ = Permission.objects.get_or_create(
        codename="deploy_project", content_type=project_type, defaults={"name": "Can deploy"}
    )
    Group.objects.get_or_create(name=APS_DEVOPS)[0].permissions.add(deploy)
    return deploy


def connector_definition(name: str, actions=("getMovieDesc",), config=None) -> dict:
    return {
        "id": f"connector-{name}",
        "name": name,
        "description": f"The {name} connector",
        "actions": {
            f"a-{action}": {
                "id": f"a-{action}",
                "name": action,
                "inputs": [{"id": f"i-{action}", "name": "movieName", "type": "string"}],
                "outputs": [{"id": f"o-{action}", "name": "movieDescription", "type": "string"}],
            }
            for action in actions
        },
        "config": copy.deepcopy(config) if config is not None else [],
    }


MOVIES_CONFIG = [
    {"name": "MOVIES_API_KEY", "description": "API key", "value": "", "required": True, "secure": True},
    {
        "name": "MOVIES_URL",
        "description": "Where the API is",
        "value": "https://api.example.com",
        "required": True,
    },
    {"name": "TIMEOUT_SECONDS", "value": "30", "required": False},
]


def movies_definition() -> dict:
    return connector_definition("movies", ("getMovieDesc", "rankMovie"), MOVIES_CONFIG)


def make_release(owner, project, definitions=(), with_process=True):
    """A release of `project` holding these connector definitions (uploaded, so not validated)."""
    for definition in definitions:
        services.model_create(
            actor=owner,
            project=project,
            type_name="CONNECTOR",
            name=definition["name"],
            content=json.dumps(definition, indent=2).encode(),
        )
    if with_process:
        services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank-movie")
    return releases.release_upload(actor=owner, project=project, data=archive.export_zip(project))
