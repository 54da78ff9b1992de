"""The stored implementation catalog: one row per `<connector>.<action>`, refreshed at each save."""

from django.db import models

from projects.models import Model, Project


class Implementation(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="implementations")
    connector = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="implementations")
    implementation = models.CharField(max_length=300)
    entry = models.TextField(help_text="The catalog entry as JSON, ready to send")

    class Meta:
        indexes = [models.Index(fields=["project", "implementation"])]

    def __str__(self) -> str:
        return self.implementation
