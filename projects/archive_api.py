"""Archive and releases API (SPEC §6, §8.1): import, export, copy, validate, releases, restores.

Views parse input, resolve the project through the permission policy and call one function of
projects.archive or projects.releases; zips are read and written there only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from modeler.api.envelopes import entry
from modeler.api.files import attachment_response
from modeler.api.input import validated
from modeler.api.openapi import entry_schema, list_schema
from modeler.api.pagination import ModelingPagination, apply_sort
from modeler.api.parsers import MultiPartParser, PayloadTooLarge, read_capped
from modeler.problems import ValidationFailed
from modeler.roles import APS_MODELER, has_role, role_missing_message
from modeler.timestamps import iso_utc
from projects import archive, releases
from projects.api import ProjectEntrySchema, project_entry
from projects.model_api import ModelEntrySchema, etag, expected_version, model_entry
from projects.model_types import model_type
from projects.models import Release
from projects.permissions import ProjectAction, model_for, project_for

RELEASE_SORT_FIELDS = {"version": "version", "creationDate": "creation_date"}


def release_entry(release: Release) -> dict:
    return {
        "id": str(release.pk),
        "name": release.name,
        "version": str(release.version),
        "comment": release.comment,
        "projectId": str(release.project_id),
        "projectName": release.project.name,
        "createdBy": release.created_by,
        "creationDate": iso_utc(release.creation_date),
        "lastModifiedBy": release.created_by,
        "lastModifiedDate": iso_utc(release.creation_date),
        "imported": release.imported,
    }


ReleaseFields = inline_serializer(
    "Release",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "version": serializers.CharField(),
        "comment": serializers.CharField(allow_blank=True),
        "projectId": serializers.UUIDField(),
        "projectName": serializers.CharField(),
        "createdBy": serializers.CharField(),
        "creationDate": serializers.DateTimeField(),
        "lastModifiedBy": serializers.CharField(),
        "lastModifiedDate": serializers.DateTimeField(),
        "imported": serializers.BooleanField(),
    },
)
ReleaseEntrySchema = entry_schema(ReleaseFields)
ZIP_RESPONSE = {(200, "application/zip"): OpenApiTypes.BINARY}
ArchiveUpload = inline_serializer(
    "ProjectArchiveUpload", {"file": serializers.FileField(), "name": serializers.CharField(required=False)}
)


class ReleaseInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, allow_null=True)


def release_for(user, release_id, action: ProjectAction = ProjectAction.VIEW) -> Release:
    """A release through its project's permissions: 404 when the project is invisible."""
    if not has_role(user, APS_MODELER):
        raise PermissionDenied(role_missing_message(APS_MODELER))
    try:
        key = uuid.UUID(str(release_id))
    except ValueError:  # a malformed id is just an unknown one
        raise Http404(f"Release not found: {str(release_id)[:60]}") from None
    release = Release.objects.select_related("project").defer("content").filter(pk=key).first()
    if release is None:
        raise Http404(f"Release not found: {str(release_id)[:60]}")
    try:
        release.project = project_for(user, release.project_id, action)
    except Http404:
        raise Http404(f"Release not found: {release.pk}") from None
    return release


def uploaded_zip(request) -> bytes:
    """The multipart `file` part, read up to the archive cap (413 beyond, naming the limit)."""
    limit = archive.max_archive_bytes()
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge(
            f"Invalid project archive: the archive is larger than the limit of {limit} bytes "
            f"({limit // (1024 * 1024)} MiB)"
        )
    upload = request.data.get("file") if hasattr(request.data, "get") else None
    if upload is None or not hasattr(upload, "read"):
        raise ValidationFailed(
            "The multipart part 'file' (a zip) is required",
            error_code="field.required",
        )
    return read_capped(upload, limit, "Invalid project archive: the archive")


def zip_response(data: bytes, file_name: str) -> HttpResponse:
    """A project or release zip: always an inert attachment (`?attachment=` is accepted for APA's
    clients, but a stored file is never answered inline)."""
    response = attachment_response(data, content_type="application/zip", filename=file_name)
    response["Content-Length"] = str(len(data))
    return response


class ProjectImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="importProject",
        request={"multipart/form-data": ArchiveUpload},
        responses={201: ProjectEntrySchema},
    )
    def post(self, request):
        data = uploaded_zip(request)
        name = request.data.get("name") or request.query_params.get("name") or None
        project = archive.project_import(actor=request.user, data=data, name=name)
        return Response(entry(project_entry(project)), status=status.HTTP_201_CREATED)


class ProjectExportApi(APIView):
    @extend_schema(
        operation_id="exportProject",
        parameters=[OpenApiParameter("attachment", bool)],
        responses=ZIP_RESPONSE,
    )
    def get(self, request, project_id):
        project = project_for(request.user, project_id)
        return zip_response(archive.export_zip(project), f"{project.name}.zip")


class ProjectCopyApi(APIView):
    @extend_schema(
        operation_id="copyProject",
        parameters=[OpenApiParameter("name", str, required=True)],
        request=None,
        responses={200: ProjectEntrySchema},
    )
    def post(self, request, project_id):
        project = project_for(request.user, project_id)
        name = request.query_params.get("name")
        if name is None and isinstance(request.data, dict):
            name = request.data.get("name")
        copy = archive.project_copy(actor=request.user, project=project, name=name)
        return Response(entry(project_entry(copy)), status=status.HTTP_200_OK)


class ProjectValidateApi(APIView):
    @extend_schema(operation_id="validateProject", responses={204: None})
    def get(self, request, project_id):
        releases.project_validate(project_for(request.user, project_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectReleasesApi(APIView):
    @extend_schema(
        operation_id="listReleases",
        parameters=[
            OpenApiParameter("skipCount", int),
            OpenApiParameter("maxItems", int, description="Default 100, at most 1000"),
            OpenApiParameter("sort", str, description="version|creationDate , asc|desc"),
        ],
        responses={200: list_schema(ReleaseFields)},
    )
    def get(self, request, project_id):
        project = project_for(request.user, project_id)
        rows = Release.objects.filter(project=project).select_related("project").defer("content")
        rows = apply_sort(rows, request, RELEASE_SORT_FIELDS, "-version")
        return ModelingPagination().paginate(rows, request, release_entry)

    @extend_schema(operation_id="createRelease", request=ReleaseInput, responses={201: ReleaseEntrySchema})
    def post(self, request, project_id):
        project = project_for(request.user, project_id, ProjectAction.CHANGE)
        data = validated(ReleaseInput, request.data if request.data is not None else {})
        release = releases.release_create(
            actor=request.user, project=project, comment=data.get("comment"), name=data.get("name")
        )
        return Response(entry(release_entry(release)), status=status.HTTP_201_CREATED)


class ReleaseUploadApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="uploadRelease",
        request={"multipart/form-data": ArchiveUpload},
        responses={201: ReleaseEntrySchema},
    )
    def post(self, request, project_id):
        project = project_for(request.user, project_id, ProjectAction.CHANGE)
        data = uploaded_zip(request)
        release = releases.release_upload(
            actor=request.user, project=project, data=data, comment=request.data.get("comment") or ""
        )
        return Response(entry(release_entry(release)), status=status.HTTP_201_CREATED)


class ReleaseDetailApi(APIView):
    @extend_schema(operation_id="getRelease", responses={200: ReleaseEntrySchema})
    def get(self, request, release_id):
        return Response(entry(release_entry(release_for(request.user, release_id))))


class ReleaseExportApi(APIView):
    @extend_schema(
        operation_id="exportRelease",
        parameters=[OpenApiParameter("attachment", bool)],
        responses=ZIP_RESPONSE,
    )
    def get(self, request, release_id):
        release = release_for(request.user, release_id)
        content = bytes(Release.objects.values_list("content", flat=True).get(pk=release.pk))
        name = f"{release.project.name}-release-{release.version}.zip"
        return zip_response(content, name)


class ReleaseRestoreApi(APIView):
    @extend_schema(operation_id="restoreRelease", request=None, responses={200: ProjectEntrySchema})
    def post(self, request, release_id):
        release = release_for(request.user, release_id, ProjectAction.CHANGE)
        release = Release.objects.select_related("project__owner").get(pk=release.pk)
        project = releases.release_restore(actor=request.user, release=release)
        return Response(entry(project_entry(project)))


class ModelVersionRestoreApi(APIView):
    @extend_schema(operation_id="restoreModelVersion", request=None, responses={200: ModelEntrySchema})
    def post(self, request, model_id, version):
        model = model_for(request.user, model_id, ProjectAction.CHANGE)
        model, check = releases.model_version_restore(
            actor=request.user, model=model, version=version, expected_version=expected_version(request)
        )
        body = entry(model_entry(model)) | {"problems": [p.as_json() for p in check.problems]}
        response = Response(body)
        response["ETag"] = etag(model)
        return response


ModelVersionDetailFields = inline_serializer(
    "ModelVersionDetail",
    {
        "version": serializers.CharField(),
        "createdBy": serializers.CharField(),
        "creationDate": serializers.DateTimeField(),
        "contentSize": serializers.IntegerField(),
        "extensions": serializers.JSONField(allow_null=True),
    },
)


class ModelVersionDetailApi(APIView):
    """One saved version of a model (what a side-by-side comparison of two versions reads)."""

    @extend_schema(operation_id="getModelVersion", responses={200: entry_schema(ModelVersionDetailFields)})
    def get(self, request, model_id, version):
        model = model_for(request.user, model_id)
        row = releases.model_version(model, version)
        return Response(
            entry(
                {
                    "version": f"0.0.{row.version}",
                    "createdBy": row.created_by,
                    "creationDate": iso_utc(row.creation_date),
                    "contentSize": len(row.content),
                    "extensions": row.extensions,
                }
            )
        )


class ModelVersionContentApi(APIView):
    @extend_schema(
        operation_id="getModelVersionContent",
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/xml"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, model_id, version):
        model = model_for(request.user, model_id)
        row = releases.model_version(model, version)
        mtype = model_type(model.type)
        return attachment_response(
            bytes(row.content),
            content_type=mtype.media_type,
            filename=f"{model.name}-0.0.{row.version}{mtype.suffix}",
        )
