"""Project, its collaborators, and the direct-foreign-key object permission tables of guardian."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Project(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=26)
    description = models.TextField(blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_projects"
    )
    version = models.PositiveIntegerField(default=0, help_text="Number of the latest release (0 before any).")
    created_by = models.CharField(max_length=150)
    creation_date = models.DateTimeField(auto_now_add=True)
    last_modified_by = models.CharField(max_length=150)
    last_modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="project_name_unique_per_owner")
        ]
        permissions = [("manage_collaborators", "Can add and remove collaborators")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Collaborator(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="collaborators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collaborations"
    )
    created_by = models.CharField(max_length=150)
    creation_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="collaborator_unique")]
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} on {self.project}"


class ProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)
