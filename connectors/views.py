"""Connector pages: create a connector in a project, and the connector editor."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from connectors.schema import PARAMETER_TYPES
from modeler.problems import ModelingError
from modeler.roles import RoleRequiredMixin
from projects import services
from projects.permissions import ProjectAction, ProjectPermissionMixin, model_for

CONNECTOR = "CONNECTOR"


class ConnectorCreateView(RoleRequiredMixin, ProjectPermissionMixin, View):
    def post(self, request, project_id):
        project = self.get_project(ProjectAction.CHANGE)
        try:
            model, _ = services.model_create(
                actor=request.user,
                project=project,
                type_name=CONNECTOR,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
            )
        except ModelingError as error:
            details = " ".join(p.description for p in error.problems if p.description != error.message)
            messages.error(request, f"Could not create the connector: {error.message} {details}".strip())
            return redirect(reverse("projects:detail", args=[project.pk]) + "#connectors")
        return redirect("connectors:editor", project_id=project.pk, model_id=model.pk)


class ConnectorEditorView(RoleRequiredMixin, View):
    template_name = "connectors/connector_editor.html"

    def get(self, request, project_id, model_id):
        model = model_for(request.user, model_id)
        if model.project_id != project_id or model.type != CONNECTOR:
            raise Http404("Connector not found")
        context = {
            "project": model.project,
            "model": model,
            "editor_config": {
                "modelId": str(model.pk),
                "etag": f'"{model.semver}"',
                "content": bytes(model.content).decode("utf-8"),
                "contentUrl": f"/modeling-service/v1/models/{model.pk}/content",
                "modelUrl": f"/modeling-service/v1/models/{model.pk}",
                "parameterTypes": list(PARAMETER_TYPES),
            },
        }
        return render(request, self.template_name, context)
