"""What the OpenAPI document says of the shared shapes: the APA envelopes of one and many
objects, and the error shape of SPEC §6 on every operation (a schemathesis test holds every
answer to this document)."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

ERROR_COMPONENT = "Error"


def entry_schema(item: serializers.Serializer) -> serializers.Serializer:
    """`{"entry": item}`."""
    return inline_serializer(f"{type(item).__name__}Entry", {"entry": item})


_PAGINATION = inline_serializer(
    "Pagination",
    {
        "count": serializers.IntegerField(),
        "hasMoreItems": serializers.BooleanField(),
        "maxItems": serializers.IntegerField(),
        "skipCount": serializers.IntegerField(),
        "totalItems": serializers.IntegerField(),
    },
)


def list_schema(item: serializers.Serializer) -> serializers.Serializer:
    """`{"list": {"entries": [{"entry": item}], "pagination": {…}}}`."""
    name = type(item).__name__
    return inline_serializer(
        f"{name}List",
        {
            "list": inline_serializer(
                f"{name}ListBody",
                {
                    "entries": inline_serializer(f"{name}ListEntry", {"entry": item}, many=True),
                    "pagination": _PAGINATION,
                },
            )
        },
    )


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["timestamp", "status", "error", "message", "path", "errorCode", "errors"],
    "properties": {
        "timestamp": {"type": "string", "format": "date-time"},
        "status": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "path": {"type": "string"},
        "errorCode": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["problem", "description", "warning", "errorCode"],
                "properties": {
                    "problem": {"type": "string"},
                    "description": {"type": "string"},
                    "validatorSetName": {"type": "string"},
                    "warning": {"type": "boolean"},
                    "errorCode": {"type": "string"},
                    "referenceId": {"type": "string", "nullable": True},
                },
            },
        },
    },
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation may answer the error shape (4XX/5XX)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = _ERROR_SCHEMA
    error = {
        "description": "An error in the shape of SPEC §6",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("4XX", error)
                operation["responses"].setdefault("5XX", error)
    return result
