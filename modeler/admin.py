"""The admin site's face: Modeler's name, a way back to the projects, and users' roles in sight.

Roles are the groups APS_MODELER and APS_DEVOPS (modeler.roles); the user list shows them in a
column and the user form puts them right under the username.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import Prefetch

from modeler.roles import ROLES

admin.site.site_header = "Modeler administration"
admin.site.site_title = "Modeler administration"
admin.site.index_title = "Users, roles and projects"
admin.site.site_url = "/projects/"

User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class ModelerUserAdmin(UserAdmin):
    list_display = ["username", "roles", "email", "is_active", "is_staff", "is_superuser", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]
    # Plain widgets: the dates are the system's to keep, and Django's split date-time inputs
    # (no labels) and the two-box filter widget (a help icon named by aria-label) fail axe.
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Roles",
            {
                "fields": ("groups", "is_active"),
                "description": "APS_MODELER: projects, connectors and processes. "
                "APS_DEVOPS: deployment descriptors made from releases.",
            },
        ),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Administration", {"fields": ("is_staff", "is_superuser", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request):
        roles = Group.objects.filter(name__in=ROLES).order_by("name")
        return (
            super().get_queryset(request).prefetch_related(Prefetch("groups", roles, to_attr="role_groups"))
        )

    @admin.display(description="Roles")
    def roles(self, user) -> str:
        return ", ".join(group.name for group in user.role_groups) or "—"
