"""The processes of each process model, refreshed at each save: ids (unique per project) and the
implementation of each service task (so a save knows which ones changed without re-reading the old XML)."""

from django.db import models

from modeler.fast_json import Decoder, Encoder
from projects.models import Model, Project


class ProcessDefinition(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="process_definitions")
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="process_definitions")
    process_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True, default="")
    implementations = models.JSONField(
        encoder=Encoder,
        decoder=Decoder,
        default=dict,
        blank=True,
        help_text="Service task id → implementation, to see which ones a save changes",
    )

    class Meta:
        indexes = [models.Index(fields=["project", "process_id"])]

    def __str__(self) -> str:
        return self.process_id
