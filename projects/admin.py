"""Admin: projects with guardian's per-object permission screens, and collaborators."""

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from projects.models import Collaborator, Project


class CollaboratorInline(admin.TabularInline):
    model = Collaborator
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["creation_date"]


@admin.register(Project)
class ProjectAdmin(GuardedModelAdmin):
    list_display = ["name", "owner", "version", "last_modified_date"]
    search_fields = ["name", "owner__username"]
    readonly_fields = ["id", "creation_date", "last_modified_date"]
    inlines = [CollaboratorInline]
