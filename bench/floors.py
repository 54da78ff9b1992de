"""Floor endpoints: bare DRF views returning JSON prepared in memory, same authentication."""

from __future__ import annotations

import json
from pathlib import Path

from guardian.shortcuts import get_objects_for_user
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.models import Project

FLOOR_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"


class ProjectsFloor(APIView):
    """Returns the same list document as GET /projects, loaded once from disk."""

    permission_classes = [IsAuthenticated]
    _document = None

    def get(self, request):
        if ProjectsFloor._document is None:
            ProjectsFloor._document = json.loads((FLOOR_DIR / "projects.json").read_text())
        return Response(ProjectsFloor._document)


class ProjectFloorSerializer(serializers.ModelSerializer):
    """The project entry written with a plain ModelSerializer."""

    id = serializers.CharField()
    displayName = serializers.CharField(source="name")  # noqa: N815 - the API's field name
    version = serializers.CharField()
    createdBy = serializers.CharField(source="created_by")  # noqa: N815
    creationDate = serializers.DateTimeField(source="creation_date")  # noqa: N815
    lastModifiedBy = serializers.CharField(source="last_modified_by")  # noqa: N815
    lastModifiedDate = serializers.DateTimeField(source="last_modified_date")  # noqa: N815

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "displayName",
            "description",
            "version",
            "createdBy",
            "creationDate",
            "lastModifiedBy",
            "lastModifiedDate",
        ]


class ProjectsLibraryFloor(APIView):
    """The same work with the bare libraries: guardian's get_objects_for_user, a ModelSerializer, a count."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        projects = get_objects_for_user(
            request.user,
            "projects.view_project",
            klass=Project,
            accept_global_perms=False,
            with_superuser=False,
        ).order_by("name", "pk")
        total = projects.count()
        page = ProjectFloorSerializer(projects[:100], many=True).data
        return Response(
            {
                "list": {
                    "entries": [{"entry": item} for item in page],
                    "pagination": {
                        "count": len(page),
                        "hasMoreItems": len(page) < total,
                        "maxItems": 100,
                        "skipCount": 0,
                        "totalItems": total,
                    },
                }
            }
        )
