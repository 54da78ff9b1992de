"""Connector pages: create a connector in a project, and the workspace opened on a connector
(/projects/<id>/connectors/<id>/ names the open model; the editor itself is frontend/)."""

from __future__ import annotations

from django.views import View

from modeler.roles import RoleRequiredMixin
from projects.views import ModelCreateView, workspace_with_model

CONNECTOR = "CONNECTOR"


class ConnectorCreateView(ModelCreateView):
    type_name = CONNECTOR
    label = "connector"
    editor_url = "connectors:editor"


class ConnectorEditorView(RoleRequiredMixin, View):
    def get(self, request, project_id, model_id):
        return workspace_with_model(request, project_id, model_id, CONNECTOR, "Connector")
