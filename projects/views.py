"""HTML pages of projects: list with search, create, rename/describe, delete, collaborators, and
the project workspace (SPEC §7: the tree, the editors, the problems) with the small JSON endpoints
its script calls for what the modeling API does not offer (editor data, connector usages, rename
with the processes, duplicate, revalidate)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from modeler.problems import ModelingError
from modeler.roles import RoleRequiredMixin
from processes.mapping import canonical
from projects import selectors, services
from projects.forms import CollaboratorForm, ProjectForm
from projects.model_types import content_text
from projects.permissions import ProjectAction, ProjectPermissionMixin, model_for

API = "/modeling-service/v1"
EDITOR_URLS = {"CONNECTOR": "connectors:editor", "PROCESS": "processes:editor"}


def _form_error(form, error: ModelingError, field: str | None = None) -> None:
    details = [p.description for p in error.problems if p.description and p.description != error.message]
    form.add_error(field, " ".join([error.message, *details]) if details else error.message)


def model_page_url(model) -> str:
    return reverse(EDITOR_URLS[model.type], args=[model.project_id, model.pk])


def model_summary(model) -> dict:
    """One model as the workspace tree shows it (its problem counts as of its last save or check)."""
    problems = model.problems or []
    errors = sum(1 for problem in problems if not problem.get("warning"))
    return {
        "id": str(model.pk),
        "name": model.name,
        "type": model.type,
        "description": model.description,
        "version": model.semver,
        "errors": errors,
        "warnings": len(problems) - errors,
        "url": model_page_url(model),
    }


def model_summaries(project) -> list[dict]:
    models = project.models.filter(type__in=EDITOR_URLS).order_by("type", "name")
    summaries = [model_summary(model) for model in models.only(*SUMMARY_FIELDS)]
    # A connector's description lives in its JSON (the editor's Description field writes it there).
    connectors = project.models.filter(type="CONNECTOR").values_list("pk", "content")
    described = {str(pk): _json_description(bytes(content)) for pk, content in connectors}
    for summary in summaries:
        if described.get(summary["id"]):
            summary["description"] = described[summary["id"]]
    return summaries


def _json_description(content: bytes) -> str:
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return ""
    description = document.get("description") if isinstance(document, dict) else None
    return description[:200] if isinstance(description, str) else ""


SUMMARY_FIELDS = ("id", "project_id", "name", "type", "description", "version", "problems")


def render_project_detail(request, project, form, collaborator_form, status=200, open_model=None):
    """The project workspace, with `open_model` in the editor (else the project's overview)."""
    from connectors.schema import PARAMETER_TYPES
    from processes.mapping import VARIABLE_TYPES

    held = project.held_permissions
    can_change = ProjectAction.CHANGE.value in held
    workspace = {
        "projectId": str(project.pk),
        "projectName": project.name,
        "canChange": can_change,
        "api": API,
        "projectUrl": reverse("projects:detail", args=[project.pk]),
        "modelsUrl": reverse("projects:workspace-models", args=[project.pk]),
        "revalidateUrl": reverse("projects:workspace-revalidate", args=[project.pk]),
        "models": model_summaries(project),
        "open": str(open_model.pk) if open_model is not None else None,
        # The model the URL names comes with the page: its editor opens without another request.
        "openData": editor_data(open_model) if open_model is not None else None,
        "parameterTypes": list(PARAMETER_TYPES),
        "variableTypes": list(VARIABLE_TYPES),
    }
    context = {
        "project": project,
        "form": form,
        "collaborator_form": collaborator_form,
        "collaborators": selectors.collaborators_of(project),
        "known_modelers": selectors.known_modelers(request.user)
        if ProjectAction.MANAGE_COLLABORATORS.value in held
        else (),
        "workspace": workspace,
        "open_model": open_model,
        "can_change": can_change,
        "can_delete": ProjectAction.DELETE.value in held,
        "can_manage_collaborators": ProjectAction.MANAGE_COLLABORATORS.value in held,
    }
    return render(request, "projects/workspace.html", context, status=status)


def workspace_with_model(request, project_id, model_id, type_name: str, label: str):
    """The workspace page opened on one model (the URL a tree item, a bookmark or a link names)."""
    model = model_of_type(request.user, project_id, model_id, type_name, label)
    project = model.project
    form = ProjectForm(initial={"name": project.name, "description": project.description})
    return render_project_detail(request, project, form, CollaboratorForm(), open_model=model)


class ProjectListView(RoleRequiredMixin, View):
    template_name = "projects/project_list.html"

    def get(self, request):
        return self._render(request, ProjectForm())

    def post(self, request):
        form = ProjectForm(request.POST)
        if form.is_valid():
            try:
                project = services.project_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                )
            except ModelingError as error:
                _form_error(form, error, "name")
            else:
                messages.success(request, f"Project '{project.name}' created.")
                return redirect("projects:detail", project_id=project.pk)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        query = request.GET.get("q", "")
        projects = selectors.project_list(request.user, name_contains=query).select_related("owner")
        context = {"projects": projects, "form": form, "query": query}
        return render(request, self.template_name, context, status=status)


class ProjectDetailView(RoleRequiredMixin, ProjectPermissionMixin, View):
    def get(self, request, project_id):
        project = self.get_project()
        form = ProjectForm(initial={"name": project.name, "description": project.description})
        return render_project_detail(request, project, form, CollaboratorForm())

    def post(self, request, project_id):
        project = self.get_project(ProjectAction.CHANGE)
        form = ProjectForm(request.POST)
        if form.is_valid():
            try:
                services.project_update(
                    actor=request.user,
                    project=project,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                )
            except ModelingError as error:
                _form_error(form, error, "name")
                project.refresh_from_db()
            else:
                messages.success(request, "Project saved.")
                return redirect("projects:detail", project_id=project.pk)
        return render_project_detail(request, project, form, CollaboratorForm(), status=400)


class ProjectDeleteView(RoleRequiredMixin, ProjectPermissionMixin, View):
    template_name = "projects/project_confirm_delete.html"

    def get(self, request, project_id):
        return render(request, self.template_name, {"project": self.get_project(ProjectAction.DELETE)})

    def post(self, request, project_id):
        project = self.get_project(ProjectAction.DELETE)
        if request.POST.get("confirm_name") != project.name:
            context = {"project": project, "error": "Type the project's name exactly to confirm."}
            return render(request, self.template_name, context, status=400)
        name = project.name
        try:
            services.project_delete(actor=request.user, project=project)
        except ModelingError as error:
            return render(
                request, self.template_name, {"project": project, "error": error.message}, status=409
            )
        messages.success(request, f"Project '{name}' deleted.")
        return redirect("projects:list")


class CollaboratorAddView(RoleRequiredMixin, ProjectPermissionMixin, View):
    def post(self, request, project_id):
        project = self.get_project(ProjectAction.MANAGE_COLLABORATORS)
        form = CollaboratorForm(request.POST)
        if form.is_valid():
            try:
                services.collaborator_add(
                    actor=request.user, project=project, username=form.cleaned_data["username"]
                )
            except ModelingError as error:
                _form_error(form, error, "username")
            else:
                messages.success(
                    request, f"'{form.cleaned_data['username']}' now collaborates on this project."
                )
                return redirect(reverse("projects:detail", args=[project.pk]) + "#collaborators")
        initial = {"name": project.name, "description": project.description}
        return render_project_detail(request, project, ProjectForm(initial=initial), form, status=400)


class CollaboratorRemoveView(RoleRequiredMixin, ProjectPermissionMixin, View):
    def post(self, request, project_id, username):
        project = self.get_project(ProjectAction.MANAGE_COLLABORATORS)
        try:
            services.collaborator_remove(actor=request.user, project=project, username=username)
        except ModelingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"'{username}' no longer collaborates on this project.")
        return redirect(reverse("projects:detail", args=[project.pk]) + "#collaborators")


class ModelCreateView(RoleRequiredMixin, ProjectPermissionMixin, View):
    """POST a name (and description) to create a model of `type_name`, then open its editor."""

    type_name = ""
    label = ""  # "connector", "process": the words of the messages and the project page's anchor
    editor_url = ""

    def post(self, request, project_id):
        project = self.get_project(ProjectAction.CHANGE)
        try:
            model, _ = services.model_create(
                actor=request.user,
                project=project,
                type_name=self.type_name,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
            )
        except ModelingError as error:
            details = " ".join(p.description for p in error.problems if p.description != error.message)
            messages.error(request, f"Could not create the {self.label}: {error.message} {details}".strip())
            return redirect(reverse("projects:detail", args=[project.pk]) + f"#{self.label}s")
        return redirect(self.editor_url, project_id=project.pk, model_id=model.pk)


def model_of_type(user, project_id, model_id, type_name: str, label: str):
    """The model an editor page shows, through the permission policy; 404 when it is not a `type_name` of that project."""
    model = model_for(user, model_id)
    if model.project_id != project_id or model.type != type_name:
        raise Http404(f"{label} not found")
    return model


# --- the workspace's JSON endpoints (session + CSRF, like the pages) --------------------------------


def _json_error(error: ModelingError) -> JsonResponse:
    return JsonResponse(
        {"message": error.message, "errors": [problem.as_json() for problem in error.problems]},
        status=error.status,
    )


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise ModelingError("The request body must be a JSON object.")
    return body


def _workspace_model(request, project_id, model_id, action=ProjectAction.VIEW):
    model = model_for(request.user, model_id, action)
    if model.project_id != project_id or model.type not in EDITOR_URLS:
        raise Http404("Model not found")
    return model


class WorkspaceModelsView(RoleRequiredMixin, ProjectPermissionMixin, View):
    """GET: the tree's models with their problem counts."""

    def get(self, request, project_id):
        return JsonResponse({"models": model_summaries(self.get_project())})


class WorkspaceRevalidateView(RoleRequiredMixin, ProjectPermissionMixin, View):
    """POST: bring the stored problems of every process up to date (after a connector changed)."""

    def post(self, request, project_id):
        from connectors.usages import processes_revalidate

        project = self.get_project(ProjectAction.CHANGE)
        processes_revalidate(project=project)
        return JsonResponse({"models": model_summaries(project)})


def editor_data(model) -> dict:
    """What an editor needs to open `model` (fetched through the policy by the caller)."""
    data = {
        "modelId": str(model.pk),
        "type": model.type,
        "name": model.name,
        "description": model.description,
        "etag": f'"{model.semver}"',
        "version": model.semver,
        "content": content_text(bytes(model.content)),
        "problems": model.problems or [],
        "canChange": ProjectAction.CHANGE.value in model.project.held_permissions,
        "contentUrl": f"{API}/models/{model.pk}/content",
        "modelUrl": f"{API}/models/{model.pk}",
        "exportUrl": f"{API}/models/{model.pk}/export?attachment=true",
        "url": model_page_url(model),
    }
    if model.type == "PROCESS":
        # As the extensions file lists them (variables by name): the database's JSON keeps no order.
        data["extensions"] = canonical(model.extensions or {})
        data["implementationsUrl"] = f"{API}/projects/{model.project_id}/implementations"
        data["runsUrl"] = f"{API}/models/{model.pk}/runs"
        data["runUrl"] = f"{API}/runs/"
    return data


class WorkspaceModelView(RoleRequiredMixin, View):
    """GET: what an editor needs to open a model (content as text in any stored encoding,
    extensions, problems, version tag and the URLs it talks to)."""

    def get(self, request, project_id, model_id):
        model = _workspace_model(request, project_id, model_id)
        return JsonResponse(editor_data(model))


class WorkspaceUsagesView(RoleRequiredMixin, View):
    """GET: the processes and service tasks that use a connector."""

    def get(self, request, project_id, model_id):
        from connectors.usages import connector_usages

        model = _workspace_model(request, project_id, model_id)
        usages = connector_usages(model.project, model.name) if model.type == "CONNECTOR" else []
        return JsonResponse({"usages": usages})


class WorkspaceRenameView(RoleRequiredMixin, View):
    """POST {name, updateProcesses}: rename a model; a connector's users can follow the rename."""

    def post(self, request, project_id, model_id):
        from connectors.usages import connector_rename

        model = _workspace_model(request, project_id, model_id, ProjectAction.CHANGE)
        try:
            body = _json_body(request)
            name = body.get("name")
            if model.type == "CONNECTOR":
                changed = connector_rename(
                    actor=request.user,
                    connector=model,
                    name=name,
                    update_processes=bool(body.get("updateProcesses")),
                )
            else:
                services.model_update(actor=request.user, model=model, name=name)
                changed = []
        except ModelingError as error:
            return _json_error(error)
        model.refresh_from_db()
        return JsonResponse({"model": model_summary(model), "updatedProcesses": changed})


class WorkspaceDuplicateView(RoleRequiredMixin, View):
    """POST {name}: a copy of the model in the same project."""

    def post(self, request, project_id, model_id):
        from projects.duplication import model_duplicate

        model = _workspace_model(request, project_id, model_id, ProjectAction.CHANGE)
        try:
            copy = model_duplicate(actor=request.user, model=model, name=_json_body(request).get("name"))
        except ModelingError as error:
            return _json_error(error)
        return JsonResponse({"model": model_summary(copy)}, status=201)
