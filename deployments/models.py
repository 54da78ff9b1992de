"""The deployment descriptor: a release plus, per connector, an image, replicas and variables."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from projects.models import Release


class Descriptor(models.Model):
    """Owned by the APS_DEVOPS user who made it. `connectors` holds the plain settings
    (`{connector: {image, replicas, variables}}`); `secrets` holds each secure value as its own
    Fernet token (`{connector: {NAME: token}}`) and is never part of any response or file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=26, unique=True, help_text="The application name (DNS rule)")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deployment_descriptors"
    )
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="deployment_descriptors")
    broker = models.CharField(max_length=2048)
    connectors = models.JSONField(default=dict)
    secrets = models.JSONField(default=dict, help_text="Encrypted secure values (Fernet tokens)")
    problems = models.JSONField(default=list, help_text="What the last save found against the release")
    version = models.PositiveIntegerField(default=1)
    created_by = models.CharField(max_length=150)
    creation_date = models.DateTimeField(auto_now_add=True)
    last_modified_by = models.CharField(max_length=150)
    last_modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
