"""The API error shape of SPEC §6 and the exception handler that produces it.

`{"timestamp", "status", "error", "message", "path", "errors": [...]}` with a stable
`errorCode`; no request error becomes a 500 and no response carries internal detail.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from modeler.problems import ModelingError, Problem
from modeler.timestamps import iso_utc

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"
DATABASE_UNAVAILABLE = "The database is unavailable right now. Please retry in a few seconds."

_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "validation_failed",
}

_FIELD_PROBLEMS = {
    "required": "field.required",
    "blank": "field.empty",
    "null": "field.empty",
    "max_length": "length.greater",
    "invalid": "field.invalid",
}


def error_body(
    *, status: int, message: str, path: str, problems: list[Problem] | None = None, error_code: str
) -> dict[str, Any]:
    problems = problems or [Problem(problem=message, error_code=error_code)]
    return {
        "timestamp": iso_utc(datetime.now(UTC)),
        "status": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
        "path": path,
        "errorCode": error_code,
        "errors": [problem.as_json() for problem in problems],
    }


def json_error(request, *, status: int, message: str, error_code: str, problems=None) -> JsonResponse:
    """The error shape for responses made outside DRF (404/500 handlers, middleware)."""
    response = JsonResponse(
        error_body(
            status=status, message=message, path=request.path, problems=problems, error_code=error_code
        ),
        status=status,
    )
    if status == 503:
        response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _validation_problems(detail: Any, prefix: str = "") -> list[Problem]:
    """Flatten DRF's nested ValidationError detail into problems named by field path."""
    problems: list[Problem] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            problems.extend(_validation_problems(value, "" if key == "non_field_errors" else path))
    elif isinstance(detail, list):
        for item in detail:
            problems.extend(_validation_problems(item, prefix))
    else:
        code = getattr(detail, "code", "invalid")
        text = str(detail)
        problems.append(
            Problem(
                problem=_FIELD_PROBLEMS.get(code, code if isinstance(code, str) else "field.invalid"),
                description=f"{prefix}: {text}" if prefix else text,
                validator_set_name=prefix,
                error_code="validation_failed",
            )
        )
    return problems


def exception_handler(exc: Exception, context: dict) -> Response | None:
    request = context.get("request")
    path = request.path if request is not None else ""
    headers: dict[str, str] = {}

    if isinstance(exc, ModelingError):
        status, message, code, problems = exc.status, exc.message, exc.error_code, exc.problems
    elif isinstance(exc, Http404):
        status, message, code, problems = 404, str(exc) or "Not found.", "not_found", None
    elif isinstance(exc, PermissionDenied):
        status, message, code, problems = 403, str(exc) or "Permission denied.", "permission_denied", None
    elif isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        status, message, code, problems = 413, "Request body is too large.", "payload_too_large", None
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", exc.__class__.__name__)
        status, message, code, problems = 503, DATABASE_UNAVAILABLE, "database_unavailable", None
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    elif isinstance(exc, exceptions.ValidationError):
        problems = _validation_problems(exc.detail)
        status, code = 400, "validation_failed"
        message = (
            problems[0].description if len(problems) == 1 else f"{len(problems)} problems in the request"
        )
    elif isinstance(exc, exceptions.APIException):
        status = exc.status_code
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else exc.default_detail
        code = getattr(detail, "code", None)
        if not isinstance(code, str) or code in {"error", "parse_error", "invalid"}:
            code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), "request_error")
        problems = None
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            headers["Retry-After"] = str(int(exc.wait))
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
    else:
        return None  # a real bug: let Django's handler500 answer with a bare JSON 500

    if status == 401 and request is not None and "WWW-Authenticate" not in headers:
        view = context.get("view")
        header = view.get_authenticate_header(request) if view is not None else None
        if header:
            headers["WWW-Authenticate"] = header
    body = error_body(status=status, message=message, path=path, problems=problems, error_code=code)
    return Response(body, status=status, headers=headers)
