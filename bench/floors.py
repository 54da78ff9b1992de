"""Floor endpoints: bare DRF views returning JSON prepared in memory, same authentication.

Also the control of bench_load.py: `NaiveContentSave`, a save that ignores If-Match.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import workspace_sync
from projects.model_api import RawBodyParser
from projects.models import Model, Project
from projects.permissions import ProjectAction, model_for

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


class NaiveContentSave(APIView):
    """PUT /bench/naive/models/{id}/content: the deliberately wrong save bench_load.py must catch.

    It ignores If-Match and stores the body with a plain read-then-UPDATE (no row lock, no
    version check), so two editors who read the same version both "succeed" and the second
    silently drops the first one's edit: the lost update RELIABILITY.md measured. The workspace
    is still written from the committed row, so the control differs from the real save only in
    the missing version check. Never routed outside bench.urls.
    """

    parser_classes = [RawBodyParser]

    def put(self, request, model_id):
        model = model_for(request.user, model_id, ProjectAction.CHANGE)
        content = request.data if isinstance(request.data, bytes) else b""
        with transaction.atomic():
            version = Model.objects.values_list("version", flat=True).get(pk=model.pk)
            Model.objects.filter(pk=model.pk).update(
                content=content, version=version + 1, last_modified_date=timezone.now()
            )
        workspace_sync.sync_models(model.project_id, [(model.type, model.name)])
        response = Response({"entry": {"id": str(model.pk), "version": f"0.0.{version + 1}"}})
        response["ETag"] = f'"0.0.{version + 1}"'
        return response
