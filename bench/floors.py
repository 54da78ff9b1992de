"""Floor endpoints: bare DRF views returning JSON prepared in memory, same authentication."""

from __future__ import annotations

import json
from pathlib import Path

from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

FLOOR_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"


class ProjectsFloor(APIView):
    """Returns the same list document as GET /projects, loaded once from disk."""

    permission_classes = [IsAuthenticated]
    _document = None

    def get(self, request):
        if ProjectsFloor._document is None:
            ProjectsFloor._document = json.loads((FLOOR_DIR / "projects.json").read_text())
        return Response(ProjectsFloor._document)
