"""`GET /modeling-service/v1/models/{modelId}/scaffold`: a connector project generated from a connector.

The zip holds one folder `<connector>-connector/` made by the SDK's scaffold generator
(`modeler_connector.scaffold`, pure) from the model's stored content; it is written by
`projects.archive.zip_bytes` (fixed order and timestamps: the same content gives the same bytes)
and served as an inert attachment. The model must be a CONNECTOR the caller can see.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from modeler_connector.definition import DefinitionError
from modeler_connector.scaffold import generate
from rest_framework.views import APIView

from modeler.api.files import attachment_response
from modeler.problems import Problem, ValidationFailed
from projects.archive import zip_bytes
from projects.permissions import model_for

CONNECTOR = "CONNECTOR"


def scaffold_zip(content: bytes) -> tuple[str, bytes]:
    """(file name, zip bytes) of the project generated from a connector definition."""
    try:
        project = generate(content)
    except (DefinitionError, ValueError) as error:
        message = "The connector definition cannot be turned into a project"
        raise ValidationFailed(message, [Problem(str(error), str(error), "Connector scaffold")]) from None
    files = {f"{project.name}/{path}": data for path, data in project.files.items()}
    return f"{project.name}.zip", zip_bytes(files)


class ModelScaffoldApi(APIView):
    @extend_schema(
        operation_id="scaffoldConnector", responses={(200, "application/zip"): OpenApiTypes.BINARY}
    )
    def get(self, request, model_id):
        model = model_for(request.user, model_id)
        if model.type != CONNECTOR:
            raise Http404(f"Connector not found: {model.pk}")
        name, data = scaffold_zip(bytes(model.content))
        return attachment_response(data, content_type="application/zip", filename=name)
