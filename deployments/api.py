"""The deployment service API (SPEC §8.2) at /deployment-service/v1/, for APS_DEVOPS users.

Same envelopes, paging and error shape as the modeling API (modeler.api). Every view checks
APS_DEVOPS (modeler.roles.IsDevops) and resolves what it touches through deployments.selectors;
writes go through deployments.services. No response ever carries a secure value: secure
variables are listed with "set" or "not set" only.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments import selectors, services
from deployments.models import Descriptor
from modeler.api.conditional import if_match_version
from modeler.api.envelopes import entry
from modeler.api.files import attachment_response
from modeler.api.pagination import ModelingPagination, apply_sort
from modeler.problems import ValidationFailed
from modeler.roles import IsDevops
from modeler.timestamps import iso_utc
from projects.archive_api import release_entry

DESCRIPTOR_SORT_FIELDS = {
    "name": "name",
    "creationDate": "creation_date",
    "lastModifiedDate": "last_modified_date",
}
RELEASE_SORT_FIELDS = {"projectName": "project__name", "version": "version", "creationDate": "creation_date"}
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')
VALID = "valid"
PROBLEMS = "problems"


def etag(descriptor: Descriptor) -> str:
    return f'"{descriptor.version}"'


def expected_version(request) -> int | None:
    return if_match_version(request, _IF_MATCH, what="descriptor", example='"3"')


def state_of(problems: list[dict]) -> str:
    return PROBLEMS if any(not problem.get("warning") for problem in problems) else VALID


def descriptor_entry(descriptor: Descriptor) -> dict:
    release = descriptor.release
    connectors = {}
    for name, stored in sorted((descriptor.connectors or {}).items()):
        tokens = (descriptor.secrets or {}).get(name) or {}
        connectors[name] = {
            "image": stored.get("image", ""),
            "replicas": stored.get("replicas", 1),
            "variables": stored.get("variables", {}),
            "secureVariables": {
                key: "set" if key in tokens else "not set" for key in stored.get("secure", [])
            },
            "destinations": stored.get("destinations", []),
        }
    problems = descriptor.problems or []
    return {
        "id": str(descriptor.pk),
        "name": descriptor.name,
        "releaseId": str(release.pk),
        "release": {
            "id": str(release.pk),
            "name": release.name,
            "version": str(release.version),
            "projectId": str(release.project_id),
            "projectName": release.project.name,
        },
        "broker": descriptor.broker,
        "connectors": connectors,
        "state": state_of(problems),
        "problems": problems,
        "version": str(descriptor.version),
        "createdBy": descriptor.created_by,
        "creationDate": iso_utc(descriptor.creation_date),
        "lastModifiedBy": descriptor.last_modified_by,
        "lastModifiedDate": iso_utc(descriptor.last_modified_date),
    }


def release_detail_entry(release, release_connectors) -> dict:
    """A release with what a devops user fills in: its connectors and their variables."""
    return release_entry(release) | {
        "connectors": [
            {
                "name": connector.name,
                "destinations": list(connector.destinations),
                "variables": [
                    {
                        "name": variable.name,
                        "description": variable.description,
                        "value": variable.value,
                        "required": variable.required,
                        "secure": variable.secure,
                    }
                    for variable in connector.config
                ],
            }
            for connector in release_connectors.values()
        ]
    }


def _with_etag(response: Response, descriptor: Descriptor) -> Response:
    response["ETag"] = etag(descriptor)
    return response


class DevopsApi(APIView):
    permission_classes = [IsDevops]


@extend_schema(exclude=True)
class DeployableReleaseListApi(DevopsApi):
    def get(self, request):
        rows = apply_sort(
            selectors.deployable_releases(request.user), request, RELEASE_SORT_FIELDS, "project__name"
        )
        return ModelingPagination().paginate(rows, request, release_entry)


@extend_schema(exclude=True)
class DeployableReleaseDetailApi(DevopsApi):
    def get(self, request, release_id):
        release = selectors.release_to_deploy(request.user, release_id)
        return Response(entry(release_detail_entry(release, selectors.release_connectors(release))))


@extend_schema(exclude=True)
class DescriptorListApi(DevopsApi):
    def get(self, request):
        rows = apply_sort(selectors.descriptors_of(request.user), request, DESCRIPTOR_SORT_FIELDS, "name")
        return ModelingPagination().paginate(rows, request, descriptor_entry)

    def post(self, request):
        descriptor = services.descriptor_create(actor=request.user, body=request.data)
        return _with_etag(
            Response(entry(descriptor_entry(descriptor)), status=status.HTTP_201_CREATED), descriptor
        )


@extend_schema(exclude=True)
class DescriptorCandidateValidateApi(DevopsApi):
    """Validate a descriptor body without storing it (the page checks as the user types)."""

    def post(self, request):
        descriptor_id = request.query_params.get("descriptorId")
        descriptor = selectors.descriptor_for(request.user, descriptor_id) if descriptor_id else None
        if descriptor is not None:
            descriptor.release = selectors.release_of(request.user, descriptor)
        problems = services.descriptor_candidate_problems(
            actor=request.user, body=request.data, descriptor=descriptor
        )
        if any(not problem.warning for problem in problems):
            raise ValidationFailed(services.DESCRIPTOR_HAS_PROBLEMS, problems)
        return Response({"problems": [problem.as_json() for problem in problems]})


@extend_schema(exclude=True)
class DescriptorDetailApi(DevopsApi):
    def get(self, request, descriptor_id):
        descriptor = selectors.descriptor_for(request.user, descriptor_id)
        return _with_etag(Response(entry(descriptor_entry(descriptor))), descriptor)

    def put(self, request, descriptor_id):
        descriptor = selectors.descriptor_for(request.user, descriptor_id)
        descriptor.release = selectors.release_of(request.user, descriptor)
        version = expected_version(request)
        descriptor = services.descriptor_update(
            actor=request.user, descriptor=descriptor, body=request.data, expected_version=version
        )
        return _with_etag(Response(entry(descriptor_entry(descriptor))), descriptor)

    def delete(self, request, descriptor_id):
        descriptor = selectors.descriptor_for(request.user, descriptor_id)
        services.descriptor_delete(actor=request.user, descriptor=descriptor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(exclude=True)
class DescriptorValidateApi(DevopsApi):
    def get(self, request, descriptor_id):
        descriptor = selectors.descriptor_for(request.user, descriptor_id)
        descriptor.release = selectors.release_of(request.user, descriptor)
        services.descriptor_validate(descriptor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(exclude=True)
class DescriptorExportApi(DevopsApi):
    def get(self, request, descriptor_id):
        descriptor = selectors.descriptor_for(request.user, descriptor_id)
        descriptor.release = selectors.release_of(request.user, descriptor)
        data = services.descriptor_export(descriptor)
        return attachment_response(
            data, content_type="application/zip", filename=f"{descriptor.name}-deployment.zip"
        )
