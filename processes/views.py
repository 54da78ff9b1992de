"""Process pages: create a process in a project, and the process editor (bpmn-js + our side panel)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from modeler.problems import ModelingError
from modeler.roles import RoleRequiredMixin
from processes.mapping import MAPPING_TYPES, VARIABLE_TYPES
from projects import services
from projects.permissions import ProjectAction, ProjectPermissionMixin, model_for

PROCESS = "PROCESS"
API = "/modeling-service/v1"


class ProcessCreateView(RoleRequiredMixin, ProjectPermissionMixin, View):
    def post(self, request, project_id):
        project = self.get_project(ProjectAction.CHANGE)
        try:
            model, _ = services.model_create(
                actor=request.user,
                project=project,
                type_name=PROCESS,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
            )
        except ModelingError as error:
            details = " ".join(p.description for p in error.problems if p.description != error.message)
            messages.error(request, f"Could not create the process: {error.message} {details}".strip())
            return redirect(reverse("projects:detail", args=[project.pk]) + "#processes")
        return redirect("processes:editor", project_id=project.pk, model_id=model.pk)


class ProcessEditorView(RoleRequiredMixin, View):
    template_name = "processes/process_editor.html"

    def get(self, request, project_id, model_id):
        model = model_for(request.user, model_id)
        if model.project_id != project_id or model.type != PROCESS:
            raise Http404("Process not found")
        can_change = ProjectAction.CHANGE.value in model.project.held_permissions
        context = {
            "project": model.project,
            "model": model,
            "editor_config": {
                "modelId": str(model.pk),
                "name": model.name,
                "etag": f'"{model.semver}"',
                "version": model.semver,
                "content": bytes(model.content).decode("utf-8"),
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
