"""The implementation catalog endpoint: every `<connector>.<action>` of a project (the dropdown)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from connectors.selectors import implementation_catalog_json
from projects.permissions import project_for


class ImplementationsApi(APIView):
    @extend_schema(operation_id="listImplementations", responses={200: dict})
    def get(self, request, project_id):
        project = project_for(request.user, project_id)
        entries, count = implementation_catalog_json(project)
        pagination = json.dumps(
            {"count": count, "hasMoreItems": False, "maxItems": count, "skipCount": 0, "totalItems": count}
        )
        body = '{"list":{"entries":' + entries + ',"pagination":' + pagination + "}}"
        return HttpResponse(body.encode(), content_type="application/json")
