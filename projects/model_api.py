"""Models API (SPEC §6): models of a project, their content, versions, validation and import.

Every model response carries an `ETag` (the model's version, `"0.0.N"`); a PUT whose
`If-Match` is stale answers 412 `version_conflict` and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.response import Response
from rest_framework.views import APIView

from modeler import strict_json
from modeler.api.conditional import if_match_version
from modeler.api.envelopes import entry
from modeler.api.files import attachment_response
from modeler.api.input import validated
from modeler.api.openapi import entry_schema, list_schema
from modeler.api.pagination import ModelingPagination, apply_sort
from modeler.api.parsers import MultiPartParser, PayloadTooLarge, read_capped
from modeler.problems import ModelingError, Problem, ValidationFailed
from modeler.timestamps import iso_utc
from projects import services
from projects.model_types import model_type, registered_types, schema
from projects.models import Model
from projects.names import MAX_NAME_LENGTH, dns_name_problems
from projects.permissions import ProjectAction, model_for, project_for

MODEL_SORT_FIELDS = {
    "name": "name",
    "creationDate": "creation_date",
    "lastModifiedDate": "last_modified_date",
}
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?0\.0\.(\d{1,9})"?\s*$')


def model_entry(model: Model) -> dict:
    mtype = model_type(model.type)
    return {
        "id": str(model.pk),
        "name": model.name,
        "type": model.type,
        "version": model.semver,
        "description": model.description,
        "contentType": mtype.media_type,
        "extensions": model.extensions,
        "projectId": str(model.project_id),
        "scope": "PROJECT",
        "createdBy": model.created_by,
        "creationDate": iso_utc(model.creation_date),
        "lastModifiedBy": model.last_modified_by,
        "lastModifiedDate": iso_utc(model.last_modified_date),
    }


def etag(model: Model) -> str:
    return f'"{model.semver}"'


def expected_version(request) -> int | None:
    return if_match_version(request, _IF_MATCH, what="model", example='"0.0.3"')


def _with_etag(response, model: Model):
    response["ETag"] = etag(model)
    return response


def _content_file(model: Model):
    """The stored content, byte for byte, as an inert attachment named like its file in the zip."""
    mtype = model_type(model.type)
    return attachment_response(
        bytes(model.content), content_type=mtype.media_type, filename=f"{model.name}{mtype.suffix}"
    )


def _problems_json(problems: list[Problem]) -> list[dict]:
    return [problem.as_json() for problem in problems]


class RawBodyParser(parsers.BaseParser):
    """Any non-multipart body, as bytes, capped at the largest content cap (the type's own cap follows)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return read_capped(stream, settings.MODELER_MAX_XML_BYTES, "Request body")


def _check_declared_length(request) -> None:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise PayloadTooLarge(
            f"Request body is larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )


def uploaded_file(request, field: str = "file"):
    upload = request.data.get(field) if hasattr(request.data, "get") else None
    if upload is None or not hasattr(upload, "read"):
        raise ValidationFailed(
            f"The multipart part '{field}' (a file) is required", error_code="field.required"
        )
    return upload


def content_from_request(request, mtype) -> bytes:
    """The content of a PUT/validate: a multipart `file` part or the raw body of an accepted media type."""
    _check_declared_length(request)
    media = (request.content_type or "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        return read_capped(uploaded_file(request), mtype.max_bytes, f"{mtype.name.lower()} content")
    if media not in mtype.accepted_media_types:
        raise UnsupportedMediaType(
            media or "(none)",
            detail=f'Unsupported media type "{media or "(none)"}" for {mtype.name} content; '
            f"send {' or '.join(mtype.accepted_media_types)} or multipart/form-data with a 'file' part.",
        )
    return read_capped(_BytesStream(request.data), mtype.max_bytes, f"{mtype.name.lower()} content")


def extensions_from_request(request):
    """The optional multipart `extensions` part (a file or a text field) as parsed JSON; `...` when absent."""
    media = (request.content_type or "").split(";")[0].strip().lower()
    if media != "multipart/form-data" or "extensions" not in request.data:
        return ...
    part = request.data.get("extensions")
    if hasattr(part, "read"):
        data = read_capped(part, settings.MODELER_MAX_JSON_BYTES, "extensions part")
    else:
        data = str(part).encode()
        if len(data) > settings.MODELER_MAX_JSON_BYTES:
            raise PayloadTooLarge(
                f"The extensions part is larger than the limit of {settings.MODELER_MAX_JSON_BYTES} bytes."
            )
    try:
        return strict_json.loads(data)
    except strict_json.JSONInputError as exc:
        raise ValidationFailed(f"Invalid extensions part: {exc.message}", error_code=exc.code) from None


class _BytesStream:
    def __init__(self, data) -> None:
        self.data = data if isinstance(data, bytes) else b""

    def read(self, size: int) -> bytes:
        return self.data[:size]


class ModelInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, allow_null=True)
    type = serializers.CharField(max_length=40)


class ModelUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, allow_null=True)
    extensions = serializers.JSONField(required=False, allow_null=True)


ModelFields = inline_serializer(
    "Model",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "type": serializers.CharField(),
        "version": serializers.CharField(),
        "description": serializers.CharField(allow_blank=True),
        "contentType": serializers.CharField(),
        "extensions": serializers.JSONField(allow_null=True),
        "projectId": serializers.UUIDField(),
        "scope": serializers.CharField(),
        "createdBy": serializers.CharField(),
        "creationDate": serializers.DateTimeField(),
        "lastModifiedBy": serializers.CharField(),
        "lastModifiedDate": serializers.DateTimeField(),
    },
)
ModelEntrySchema = entry_schema(ModelFields)
# Stored content as sent: a connector's JSON document or a process's BPMN XML, as an attachment.
STORED_FILE_RESPONSES = {
    (200, "application/json"): OpenApiTypes.OBJECT,
    (200, "application/xml"): OpenApiTypes.BINARY,
}
ModelVersionFields = inline_serializer(
    "ModelVersion",
    {
        "version": serializers.CharField(),
        "createdBy": serializers.CharField(),
        "creationDate": serializers.DateTimeField(),
        "contentSize": serializers.IntegerField(),
    },
)


class ProjectModelsApi(APIView):
    @extend_schema(
        operation_id="listModels",
        parameters=[
            OpenApiParameter("type", str, description=" | ".join(t.name for t in registered_types()) or None)
        ],
        responses={200: list_schema(ModelFields)},
    )
    def get(self, request, project_id):
        project = project_for(request.user, project_id)
        models = Model.objects.filter(project=project)
        if "type" in request.query_params:
            models = models.filter(type=model_type(request.query_params["type"]).name)
        models = apply_sort(models, request, MODEL_SORT_FIELDS, "name")
        return ModelingPagination().paginate(models, request, model_entry)

    @extend_schema(operation_id="createModel", request=ModelInput, responses={201: ModelEntrySchema})
    def post(self, request, project_id):
        project = project_for(request.user, project_id, ProjectAction.CHANGE)
        data = validated(ModelInput, request.data)
        model, _ = services.model_create(
            actor=request.user,
            project=project,
            type_name=data["type"],
            name=data["name"],
            description=data.get("description") or "",
        )
        return _with_etag(Response(entry(model_entry(model)), status=status.HTTP_201_CREATED), model)


@dataclass(frozen=True)
class ImportRule:
    """How a model type takes a single file from elsewhere: the file names it accepts (longest
    first) and what is done to the content first (bytes → bytes and warnings)."""

    suffixes: tuple[str, ...]
    prepare: Callable[[bytes], tuple[bytes, list[Problem]]] | None = None


_IMPORT_RULES: dict[str, ImportRule] = {}


def register_import(type_name: str, rule: ImportRule) -> None:
    """Called by an app's AppConfig.ready() beside its model-type registration."""
    _IMPORT_RULES[type_name] = rule


def _import_rule(mtype) -> ImportRule:
    return _IMPORT_RULES.get(mtype.name) or ImportRule((mtype.suffix,))


def _import_suffix(rule: ImportRule, file_name: str) -> str | None:
    lowered = file_name.lower()
    return next((suffix for suffix in rule.suffixes if lowered.endswith(suffix)), None)


def derived_model_name(text: str, fallback: str) -> str:
    """A valid model name (SPEC §3) made from any text: lower case, `-` for every other character,
    starting with a letter, at most 26 characters; `fallback` when nothing is left."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower())
    name = re.sub(r"^[^a-z]+", "", name)[:MAX_NAME_LENGTH].rstrip("-")
    return name or fallback


def _import_name(mtype, stem: str, field: object) -> tuple[str, list[Problem]]:
    """The name of an imported model: the file's name when valid, else the `name` field, else one
    derived from the file's name (said so in a warning)."""
    if not dns_name_problems(stem):
        return stem, []
    if isinstance(field, str) and field:
        return field, []  # checked by the service like any model name
    name = derived_model_name(stem, mtype.name.lower())
    return name, [
        Problem(
            "Model name derived from the file name",
            f"The file name '{stem[:100]}' is not a valid model name (lower case letters, digits and '-', "
            f"at most {MAX_NAME_LENGTH} characters): the model is named '{name}'. Send a 'name' field to "
            "choose another name.",
            "Name validator",
            warning=True,
            error_code="name_derived",
        )
    ]


class ModelImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="importModel",
        request={
            "multipart/form-data": inline_serializer(
                "ModelImport",
                {
                    "file": serializers.FileField(
                        help_text="PROCESS: .bpmn20.xml, .bpmn.xml or .bpmn; CONNECTOR: .json"
                    ),
                    "type": serializers.CharField(),
                    "name": serializers.CharField(
                        required=False,
                        help_text="The model name when the file's name is not a valid one",
                    ),
                },
            )
        },
        responses={201: ModelEntrySchema},
    )
    def post(self, request, project_id):
        project = project_for(request.user, project_id, ProjectAction.CHANGE)
        _check_declared_length(request)
        mtype = model_type(request.data.get("type") or request.query_params.get("type"))
        upload = uploaded_file(request)
        file_name = upload.name or ""
        rule = _import_rule(mtype)
        suffix = _import_suffix(rule, file_name)
        if suffix is None:
            accepted = ", ".join(rule.suffixes)
            raise ValidationFailed(
                f"Unexpected extension was found for file to import model of type {mtype.name}: "
                f"{file_name[:100]} (accepted: {accepted})",
                error_code="unexpected_extension",
            )
        content = read_capped(upload, mtype.max_bytes, f"{mtype.name.lower()} file")
        name, notes = _import_name(mtype, file_name[: -len(suffix)], request.data.get("name"))
        if rule.prepare is not None:
            content, warnings = rule.prepare(content)
            notes += warnings
        model, check = services.model_create(
            actor=request.user, project=project, type_name=mtype.name, name=name, content=content
        )
        if model.name != name:  # the content declares its own name (a connector's `name`)
            notes = [note for note in notes if note.error_code != "name_derived"]
        body = entry(model_entry(model)) | {"problems": _problems_json([*notes, *check.problems])}
        return _with_etag(Response(body, status=status.HTTP_201_CREATED), model)


class ModelDetailApi(APIView):
    @extend_schema(operation_id="getModel", responses={200: ModelEntrySchema})
    def get(self, request, model_id):
        model = model_for(request.user, model_id, content=False)
        return _with_etag(Response(entry(model_entry(model))), model)

    @extend_schema(operation_id="updateModel", request=ModelUpdateInput, responses={200: ModelEntrySchema})
    def put(self, request, model_id):
        model = model_for(request.user, model_id, ProjectAction.CHANGE, content=False)
        version = expected_version(request)
        data = validated(ModelUpdateInput, request.data)
        model = services.model_update(
            actor=request.user,
            model=model,
            name=data.get("name"),
            description=data.get("description"),
            expected_version=version,
            extensions=data.get("extensions", ...),
        )
        return _with_etag(Response(entry(model_entry(model))), model)

    @extend_schema(operation_id="deleteModel", responses={204: None})
    def delete(self, request, model_id):
        model = model_for(request.user, model_id, ProjectAction.CHANGE, content=False)
        services.model_delete(actor=request.user, model=model)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModelContentApi(APIView):
    parser_classes = [MultiPartParser, RawBodyParser]

    @extend_schema(operation_id="getModelContent", responses=STORED_FILE_RESPONSES)
    def get(self, request, model_id):
        model = model_for(request.user, model_id)
        return _with_etag(_content_file(model), model)

    @extend_schema(
        operation_id="updateModelContent",
        request={"application/json": bytes, "application/xml": bytes, "multipart/form-data": bytes},
        responses={200: ModelEntrySchema},
    )
    def put(self, request, model_id):
        model = model_for(request.user, model_id, ProjectAction.CHANGE, content=False)
        version = expected_version(request)
        content = content_from_request(request, model_type(model.type))
        model, check = services.model_save_content(
            actor=request.user,
            model=model,
            content=content,
            expected_version=version,
            extensions=extensions_from_request(request),
        )
        body = entry(model_entry(model)) | {"problems": _problems_json(check.problems)}
        return _with_etag(Response(body), model)


class ModelExportApi(APIView):
    @extend_schema(operation_id="exportModel", responses=STORED_FILE_RESPONSES)
    def get(self, request, model_id):
        model = model_for(request.user, model_id)
        return _with_etag(_content_file(model), model)


class ModelVersionsApi(APIView):
    @extend_schema(operation_id="listModelVersions", responses={200: list_schema(ModelVersionFields)})
    def get(self, request, model_id):
        model = model_for(request.user, model_id, content=False)
        versions = model.versions.order_by("-version")

        def version_entry(version) -> dict:
            return {
                "version": f"0.0.{version.version}",
                "createdBy": version.created_by,
                "creationDate": iso_utc(version.creation_date),
                "contentSize": len(version.content),
            }

        return ModelingPagination().paginate(versions, request, version_entry)


class ModelValidateApi(APIView):
    parser_classes = [MultiPartParser, RawBodyParser]

    @extend_schema(
        operation_id="validateModel", request={"multipart/form-data": bytes}, responses={204: None}
    )
    def post(self, request, model_id):
        model = model_for(request.user, model_id, content=False)
        mtype = model_type(model.type)
        content = content_from_request(request, mtype)
        check = services.model_validate(
            model=model, content=content, extensions=extensions_from_request(request)
        )
        if check.problems:
            errors = [p for p in check.problems if not p.warning]
            raise ModelingError(
                f"Semantic model validation {'errors' if errors else 'warnings'} encountered: "
                f"{len(errors or check.problems)} {'errors' if errors else 'warnings'} found",
                check.problems,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SchemaApi(APIView):
    @extend_schema(operation_id="getSchema", responses={200: dict})
    def get(self, request, key):
        document = schema(key)
        if document is None:
            raise ValidationFailed(
                f"No schema for model type: {key[:40]}", status=404, error_code="not_found"
            )
        return Response(document)
