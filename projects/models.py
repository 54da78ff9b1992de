"""Project, its collaborators, and the direct-foreign-key object permission tables of guardian."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from modeler.fast_json import Decoder, Encoder
from modeler.fields import JSONTextField


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


class ModelManager(models.Manager):
    """Rows without their derived files, which only the export reads (projects.content_store):
    every other read of a model (the API, the workspace) leaves those bytes in the database."""

    def get_queryset(self):
        return super().get_queryset().defer("derived_files")


class Model(models.Model):
    """One model of a project (a connector, a process …): metadata, current content, version.

    What a type's content means is the business of its ModelType (projects.model_types);
    this table stores every type the same way, as APA's modeling service does.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="models")
    type = models.CharField(max_length=40)
    name = models.CharField(max_length=26)
    description = models.TextField(blank=True, default="")
    content = models.BinaryField(default=b"")
    extensions = JSONTextField(null=True, blank=True, encoder=Encoder, decoder=Decoder)
    problems = models.JSONField(
        encoder=Encoder,
        decoder=Decoder,
        default=list,
        blank=True,
        help_text="What the last save found (errors and warnings)",
    )
    version = models.PositiveIntegerField(default=1, help_text="Patch number of the semver version 0.0.N")
    derived_files = models.BinaryField(
        null=True,
        editable=False,
        help_text="The type's derived files (a process's extensions file) made when the content, "
        "extensions or name were last written, packed by projects.model_types.pack_derived_files; "
        "the export reads them instead of making them again",
    )
    created_by = models.CharField(max_length=150)
    creation_date = models.DateTimeField(auto_now_add=True)
    last_modified_by = models.CharField(max_length=150)
    last_modified_date = models.DateTimeField(auto_now=True)

    objects = ModelManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "type", "name"], name="model_name_unique")]
        indexes = [models.Index(fields=["project", "type", "name"])]
        ordering = ["type", "name"]

    def __str__(self) -> str:
        return f"{self.type} {self.name}"

    @property
    def semver(self) -> str:
        return f"0.0.{self.version}"


class ModelVersion(models.Model):
    """Every content save of a model, kept."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.BinaryField()
    extensions = JSONTextField(null=True, blank=True, encoder=Encoder, decoder=Decoder)
    created_by = models.CharField(max_length=150)
    creation_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "version"], name="model_version_unique")]
        ordering = ["model", "version"]

    def __str__(self) -> str:
        return f"{self.model} 0.0.{self.version}"


class Release(models.Model):
    """An immutable, numbered snapshot of a project (SPEC §8.1): the project zip as released."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    name = models.CharField(max_length=26, help_text="The project's name when it was released")
    version = models.PositiveIntegerField(help_text="1, 2, 3 … per project")
    comment = models.TextField(blank=True, default="")
    content = models.BinaryField(help_text="The release zip, byte for byte as it is downloaded")
    imported = models.BooleanField(default=False, help_text="Uploaded from elsewhere, not released here")
    created_by = models.CharField(max_length=150)
    creation_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="release_version_unique")]
        ordering = ["project", "-version"]

    def __str__(self) -> str:
        return f"{self.name} release {self.version}"
