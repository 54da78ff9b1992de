"""Test runs API (SPEC §11): start a run of a process, read one, list a model's recent runs."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from modeler.api.envelopes import entry, entry_list
from modeler.api.input import validated
from modeler.problems import NotFound
from modeler.roles import APS_MODELER, has_role, role_missing_message
from modeler.timestamps import iso_utc
from projects.permissions import ProjectAction, model_for
from runs import services
from runs.models import Run


class RunStartSerializer(serializers.Serializer):
    variables = serializers.DictField(required=False, default=dict)
    timeoutSeconds = serializers.FloatField(required=False, min_value=0.1)  # noqa: N815
    stepTimeoutSeconds = serializers.FloatField(required=False, min_value=0.1)  # noqa: N815


def run_entry(run: Run, *, full: bool = True) -> dict:
    data = {
        "id": str(run.pk),
        "modelId": str(run.model_id),
        "modelVersion": f"0.0.{run.model_version}",
        "state": run.state,
        "createdBy": run.created_by,
        "creationDate": iso_utc(run.creation_date),
        "finishedDate": iso_utc(run.finished_date) if run.finished_date else None,
        "timeoutSeconds": run.timeout_seconds,
        "stepTimeoutSeconds": run.step_timeout_seconds,
        "error": {"message": run.error, "elementId": run.error_element_id or None} if run.error else None,
    }
    if full:
        data |= {
            "inputVariables": run.input_variables,
            "variables": run.variables,
            "trace": run.trace,
            "serviceTasks": run.service_tasks,
        }
    return data


RunSchema = inline_serializer("Run", {"entry": serializers.DictField()})


class ModelRunsApi(APIView):
    @extend_schema(operation_id="startRun", request=RunStartSerializer, responses={202: RunSchema})
    def post(self, request, model_id):
        model = model_for(request.user, model_id, ProjectAction.CHANGE)
        data = validated(RunStartSerializer, request.data)
        run = services.run_start(
            actor=request.user,
            model=model,
            variables=data["variables"],
            timeout_seconds=data.get("timeoutSeconds"),
            step_timeout_seconds=data.get("stepTimeoutSeconds"),
        )
        return Response(entry(run_entry(run)), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="listRuns",
        responses={200: inline_serializer("RunList", {"list": serializers.DictField()})},
    )
    def get(self, request, model_id):
        model = model_for(request.user, model_id)
        runs = [services.run_expire_stale(run) for run in Run.objects.filter(model=model).defer("content")]
        return Response(
            entry_list(
                [run_entry(run, full=False) for run in runs],
                skip_count=0,
                max_items=len(runs),
                total_items=len(runs),
            )
        )


class RunDetailApi(APIView):
    @extend_schema(operation_id="getRun", responses={200: RunSchema})
    def get(self, request, run_id):
        if not has_role(request.user, APS_MODELER):
            raise PermissionDenied(role_missing_message(APS_MODELER))
        key = _uuid(run_id)
        run = Run.objects.filter(pk=key).only("model_id").first() if key else None
        try:
            if run is None:
                raise Http404
            model_for(request.user, run.model_id)
        except Http404:
            raise NotFound(f"Run not found: {str(run_id)[:60]}") from None
        run = services.run_expire_stale(Run.objects.defer("content").get(pk=run.pk))
        return Response(entry(run_entry(run)))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
