"""HTML pages of projects: list with search, create, rename/describe, delete, collaborators."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from modeler.problems import ModelingError
from modeler.roles import RoleRequiredMixin
from projects import selectors, services
from projects.forms import CollaboratorForm, ProjectForm
from projects.permissions import ProjectAction, ProjectPermissionMixin, model_for


def _form_error(form, error: ModelingError, field: str | None = None) -> None:
    details = [p.description for p in error.problems if p.description and p.description != error.message]
    form.add_error(field, " ".join([error.message, *details]) if details else error.message)


def render_project_detail(request, project, form, collaborator_form, status=200):
    held = project.held_permissions
    context = {
        "project": project,
        "form": form,
        "collaborator_form": collaborator_form,
        "collaborators": selectors.collaborators_of(project),
        "known_modelers": selectors.known_modelers(request.user)
        if ProjectAction.MANAGE_COLLABORATORS.value in held
        else (),
        "connectors": project.models.filter(type="CONNECTOR").order_by("name"),
        "processes": project.models.filter(type="PROCESS").order_by("name"),
        "can_change": ProjectAction.CHANGE.value in held,
        "can_delete": ProjectAction.DELETE.value in held,
        "can_manage_collaborators": ProjectAction.MANAGE_COLLABORATORS.value in held,
    }
    return render(request, "projects/project_detail.html", context, status=status)


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
        services.project_delete(actor=request.user, project=project)
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
