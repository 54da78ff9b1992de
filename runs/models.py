"""A test run of a process (SPEC §11): what was run, how it went, what came out."""

from __future__ import annotations

import uuid

from django.db import models

from modeler.fast_json import Decoder, Encoder
from projects.models import Model


class Run(models.Model):
    class State(models.TextChoices):
        RUNNING = "RUNNING"
        COMPLETED = "COMPLETED"
        FAILED = "FAILED"
        TIMED_OUT = "TIMED_OUT"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="runs")
    model_version = models.PositiveIntegerField(help_text="The saved version that was run")
    # The saved content and extensions, copied: a run never reads (or changes) the model again.
    content = models.BinaryField()
    extensions = models.JSONField(null=True, blank=True, encoder=Encoder, decoder=Decoder)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    input_variables = models.JSONField(encoder=Encoder, decoder=Decoder, default=dict)
    variables = models.JSONField(
        encoder=Encoder, decoder=Decoder, default=dict, help_text="The variables at the end (or so far)"
    )
    trace = models.JSONField(
        encoder=Encoder,
        decoder=Decoder,
        default=list,
        help_text="Every element entered and left, with the time",
    )
    service_tasks = models.JSONField(
        encoder=Encoder, decoder=Decoder, default=list, help_text="Each request sent and its answer"
    )
    error = models.TextField(blank=True, default="")
    error_element_id = models.CharField(max_length=255, blank=True, default="")
    timeout_seconds = models.FloatField()
    step_timeout_seconds = models.FloatField()
    created_by = models.CharField(max_length=150)
    creation_date = models.DateTimeField(auto_now_add=True)
    claimed_date = models.DateTimeField(null=True, blank=True, help_text="When a worker took the run")
    finished_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-creation_date"]
        indexes = [
            models.Index(fields=["model", "-creation_date"]),
            models.Index(fields=["state", "claimed_date"]),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.model_id}: {self.state}"
