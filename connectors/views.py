"""Connector pages: create a connector in a project, and the connector editor."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from connectors.schema import PARAMETER_TYPES
from modeler.roles import RoleRequiredMixin
from projects.model_types import content_text
from projects.views import ModelCreateView, model_of_type

CONNECTOR = "CONNECTOR"


class ConnectorCreateView(ModelCreateView):
    type_name = CONNECTOR
    label = "connector"
    editor_url = "connectors:editor"


class ConnectorEditorView(RoleRequiredMixin, View):
    template_name = "connectors/connector_editor.html"

    def get(self, request, project_id, model_id):
        model = model_of_type(request.user, project_id, model_id, CONNECTOR, "Connector")
        context = {
            "project": model.project,
            "model": model,
            "editor_config": {
                "modelId": str(model.pk),
                "etag": f'"{model.semver}"',
                "content": content_text(bytes(model.content)),
                "contentUrl": f"/modeling-service/v1/models/{model.pk}/content",
                "modelUrl": f"/modeling-service/v1/models/{model.pk}",
                "parameterTypes": list(PARAMETER_TYPES),
            },
        }
        return render(request, self.template_name, context)
