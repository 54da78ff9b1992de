"""Process pages: create a process in a project, and the workspace opened on a process
(/projects/<id>/processes/<id>/ names the open model; the editor itself is frontend/)."""

from __future__ import annotations

from django.views import View

from modeler.roles import RoleRequiredMixin
from projects.views import ModelCreateView, workspace_with_model

PROCESS = "PROCESS"


class ProcessCreateView(ModelCreateView):
    type_name = PROCESS
    label = "process"
    editor_url = "processes:editor"


class ProcessEditorView(RoleRequiredMixin, View):
    def get(self, request, project_id, model_id):
        return workspace_with_model(request, project_id, model_id, PROCESS, "Process")
