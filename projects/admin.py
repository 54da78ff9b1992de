"""Admin: projects and their collaborators, changed through the same services as the API.

Changing the owner is `project_transfer`, a rename or new description `project_update`, a
collaborator row `collaborator_add` / `collaborator_remove`, a deletion `project_delete`: the
guardian object permissions and the workspace folder follow every edit made here. Projects are
created by modelers (the owner is whoever creates one), so the admin cannot add them.
guardian's own "Object permissions" pages are not offered: they wrote permissions behind the
services' back (an invisible co-owner the owner could not remove).
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from modeler.problems import ModelingError
from modeler.roles import APS_MODELER, has_role
from projects import services
from projects.models import Collaborator, Project
from projects.names import dns_name_problems


def _role_problem(user) -> str | None:
    if not user.is_active or not has_role(user, APS_MODELER):
        return f"'{user.username}' is not an active user with the {APS_MODELER} role."
    return None


class ProjectAdminForm(forms.ModelForm):
    """Refuses what the services would refuse, so the page shows it next to the field."""

    class Meta:
        model = Project
        fields = ["name", "description", "owner"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        problems = dns_name_problems(name, "project")
        if problems:
            raise forms.ValidationError([problem.description for problem in problems])
        return name

    def clean_owner(self):
        owner = self.cleaned_data["owner"]
        if "owner" in self.changed_data:
            problem = _role_problem(owner)
            if problem:
                raise forms.ValidationError(f"{problem} Only modelers can own projects.")
        return owner


class CollaboratorFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            user = data.get("user")
            if user is None or data.get("DELETE") or "user" not in form.changed_data:
                continue
            if user.pk == self.instance.owner_id:
                form.add_error("user", f"'{user.username}' owns the project and cannot be a collaborator.")
            elif problem := _role_problem(user):
                form.add_error("user", f"{problem} Only modelers can collaborate on a project.")


class CollaboratorInline(admin.TabularInline):
    model = Collaborator
    formset = CollaboratorFormSet
    extra = 0
    fields = ["user", "created_by", "creation_date"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_by", "creation_date"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectAdminForm
    list_display = ["name", "owner", "version", "last_modified_date"]
    search_fields = ["name", "owner__username"]
    readonly_fields = ["id", "creation_date", "last_modified_date"]
    inlines = [CollaboratorInline]

    def has_add_permission(self, request) -> bool:
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ModelingError as error:
            # A rule broken after the form was checked (someone else's change meanwhile): the
            # admin's transaction has rolled the whole submission back.
            self.message_user(request, f"Nothing was changed: {error.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change) -> None:
        """Nothing here: save_related applies the project's and its collaborators' changes
        together, through the services, once every inline is known to be valid."""

    def save_related(self, request, form, formsets, change) -> None:
        stored = Project.objects.select_related("owner").get(pk=form.instance.pk)
        changed = set(form.changed_data)
        if "owner" in changed:
            stored = services.project_transfer(
                actor=request.user, project=stored, new_owner=form.cleaned_data["owner"]
            )
        if changed & {"name", "description"}:
            services.project_update(
                actor=request.user,
                project=stored,
                name=form.cleaned_data["name"] if "name" in changed else None,
                description=form.cleaned_data["description"] if "description" in changed else None,
            )
        for formset in formsets:
            self._save_collaborators(request, stored, formset)

    def _save_collaborators(self, request, project: Project, formset) -> None:
        formset.save(commit=False)  # fills new/changed/deleted_objects for the admin's history
        for form in formset.initial_forms:
            if form in formset.deleted_forms or "user" in form.changed_data:
                before = Collaborator.objects.select_related("user").filter(pk=form.instance.pk).first()
                if before is not None and before.user_id != project.owner_id:
                    services.collaborator_remove(
                        actor=request.user, project=project, username=before.user.username
                    )
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            user = form.cleaned_data.get("user")
            if user is not None and (form.instance.pk is None or "user" in form.changed_data):
                services.collaborator_add(actor=request.user, project=project, username=user.get_username())

    def delete_model(self, request, obj) -> None:
        services.project_delete(actor=request.user, project=obj)

    def delete_queryset(self, request, queryset) -> None:
        for project in queryset.select_related("owner"):
            services.project_delete(actor=request.user, project=project)
