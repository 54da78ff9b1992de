"""Process pages: create a process in a project, and the process editor (bpmn-js + our side panel)."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from modeler.roles import RoleRequiredMixin
from processes.mapping import MAPPING_TYPES, VARIABLE_TYPES
from projects.model_types import content_text
from projects.permissions import ProjectAction
from projects.views import ModelCreateView, model_of_type

PROCESS = "PROCESS"
API = "/modeling-service/v1"


class ProcessCreateView(ModelCreateView):
    type_name = PROCESS
    label = "process"
    editor_url = "processes:editor"


class ProcessEditorView(RoleRequiredMixin, View):
    template_name = "processes/process_editor.html"

    def get(self, request, project_id, model_id):
        model = model_of_type(request.user, project_id, model_id, PROCESS, "Process")
        can_change = ProjectAction.CHANGE.value in model.project.held_permissions
        context = {
            "project": model.project,
            "model": model,
            "editor_config": {
                "modelId": str(model.pk),
                "name": model.name,
                "etag": f'"{model.semver}"',
                "version": model.semver,
                "content": content_text(bytes(model.content)),
                "extensions": model.extensions or {},
                "problems": model.problems or [],
                "canChange": can_change,
                "contentUrl": f"{API}/models/{model.pk}/content",
                "implementationsUrl": f"{API}/projects/{model.project_id}/implementations",
                "variableTypes": list(VARIABLE_TYPES),
                "mappingTypes": list(MAPPING_TYPES),
            },
        }
        return render(request, self.template_name, context)
