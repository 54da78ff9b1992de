"""The process ids of each process model, refreshed at each save (process ids are unique per project)."""

from django.db import models

from projects.models import Model, Project


class ProcessDefinition(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="process_definitions")
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="process_definitions")
    process_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["project", "process_id"])]

    def __str__(self) -> str:
        return self.process_id
