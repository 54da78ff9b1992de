"""Projects API (SPEC §6): projects and collaborators, in APA's envelopes and error shape."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from modeler.api.envelopes import entry
from modeler.api.input import validated
from modeler.api.openapi import entry_schema, list_schema
from modeler.api.pagination import ModelingPagination, apply_sort
from modeler.timestamps import iso_utc
from projects import selectors, services
from projects.models import Collaborator, Project
from projects.permissions import ProjectAction, project_for

PROJECT_SORT_FIELDS = {
    "name": "name",
    "creationDate": "creation_date",
    "lastModifiedDate": "last_modified_date",
    "version": "version",
}


def project_entry(project: Project) -> dict:
    return {
        "id": str(project.pk),
        "name": project.name,
        "displayName": project.name,
        "description": project.description,
        "version": str(project.version),
        "createdBy": project.created_by,
        "creationDate": iso_utc(project.creation_date),
        "lastModifiedBy": project.last_modified_by,
        "lastModifiedDate": iso_utc(project.last_modified_date),
    }


def collaborator_entry(collaborator: Collaborator) -> dict:
    return {
        "id": str(collaborator.pk),
        "projectId": str(collaborator.project_id),
        "username": collaborator.user.username,
        "createdBy": collaborator.created_by,
        "creationDate": iso_utc(collaborator.creation_date),
    }


class ProjectInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=True, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, allow_null=True)


class ProjectUpdateInput(ProjectInput):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, trim_whitespace=False)


ProjectFields = inline_serializer(
    "Project",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "description": serializers.CharField(allow_blank=True),
        "version": serializers.CharField(),
        "createdBy": serializers.CharField(),
        "creationDate": serializers.DateTimeField(),
        "lastModifiedBy": serializers.CharField(),
        "lastModifiedDate": serializers.DateTimeField(),
    },
)
ProjectEntrySchema = entry_schema(ProjectFields)


class ProjectListApi(APIView):
    @extend_schema(
        operation_id="listProjects",
        parameters=[
            OpenApiParameter("name", str, description="Only projects whose name contains this text"),
            OpenApiParameter("skipCount", int),
            OpenApiParameter("maxItems", int, description="Default 100, at most 1000"),
            OpenApiParameter(
                "sort", str, description="name|creationDate|lastModifiedDate|version , asc|desc"
            ),
        ],
        responses={200: list_schema(ProjectFields)},
    )
    def get(self, request):
        projects = selectors.project_list(request.user, name_contains=request.query_params.get("name", ""))
        projects = apply_sort(projects, request, PROJECT_SORT_FIELDS, "name")
        return ModelingPagination().paginate(projects, request, project_entry)

    @extend_schema(operation_id="createProject", request=ProjectInput, responses={201: ProjectEntrySchema})
    def post(self, request):
        data = validated(ProjectInput, request.data)
        project = services.project_create(
            actor=request.user, name=data["name"], description=data.get("description")
        )
        return Response(entry(project_entry(project)), status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(operation_id="getProject", responses={200: ProjectEntrySchema})
    def get(self, request, project_id):
        return Response(entry(project_entry(project_for(request.user, project_id))))

    @extend_schema(
        operation_id="updateProject", request=ProjectUpdateInput, responses={200: ProjectEntrySchema}
    )
    def put(self, request, project_id):
        project = project_for(request.user, project_id, ProjectAction.CHANGE)
        data = validated(ProjectUpdateInput, request.data)
        project = services.project_update(
            actor=request.user, project=project, name=data.get("name"), description=data.get("description")
        )
        return Response(entry(project_entry(project)))

    @extend_schema(operation_id="deleteProject", responses={204: None})
    def delete(self, request, project_id):
        project = project_for(request.user, project_id, ProjectAction.DELETE)
        services.project_delete(actor=request.user, project=project)
        return Response(status=status.HTTP_204_NO_CONTENT)


CollaboratorFields = inline_serializer(
    "Collaborator",
    {
        "id": serializers.CharField(),
        "projectId": serializers.UUIDField(),
        "username": serializers.CharField(),
        "createdBy": serializers.CharField(),
        "creationDate": serializers.DateTimeField(),
    },
)
CollaboratorEntrySchema = entry_schema(CollaboratorFields)


class CollaboratorListApi(APIView):
    @extend_schema(operation_id="listCollaborators", responses={200: list_schema(CollaboratorFields)})
    def get(self, request, project_id):
        project = project_for(request.user, project_id)
        return ModelingPagination().paginate(selectors.collaborators_of(project), request, collaborator_entry)


class CollaboratorDetailApi(APIView):
    @extend_schema(operation_id="addCollaborator", request=None, responses={200: CollaboratorEntrySchema})
    def put(self, request, project_id, username):
        project = project_for(request.user, project_id, ProjectAction.MANAGE_COLLABORATORS)
        collaborator = services.collaborator_add(actor=request.user, project=project, username=username)
        return Response(entry(collaborator_entry(collaborator)))

    @extend_schema(operation_id="removeCollaborator", responses={204: None})
    def delete(self, request, project_id, username):
        project = project_for(request.user, project_id, ProjectAction.MANAGE_COLLABORATORS)
        services.collaborator_remove(actor=request.user, project=project, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)
