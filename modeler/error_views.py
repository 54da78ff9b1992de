"""Site-wide 400/403/404/500 and CSRF-failure handlers: JSON in the API's error shape under the
API prefix, the site's pages elsewhere."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt

from modeler.api import is_api_path
from modeler.api.errors import json_error
from modeler.middleware import database_unavailable_response


def _is_api(request) -> bool:
    return is_api_path(request.path)


def bad_request(request, exception=None):
    if _is_api(request):
        return json_error(request, status=400, message="Bad request.", error_code="bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        message = str(exception) if exception and str(exception) else "Permission denied."
        return json_error(request, status=403, message=message, error_code="permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return json_error(request, status=404, message="Not found.", error_code="not_found")
    return defaults.page_not_found(request, exception)


# The API's catch-all route: an unknown path answers 404 for every method, before any CSRF check.
unknown_api_path = csrf_exempt(page_not_found)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return json_error(
            request,
            status=403,
            message="CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value.",
            error_code="csrf_failed",
        )
    return csrf.csrf_failure(request, reason)


def server_error(request):
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable_response(request)
    if _is_api(request):
        return json_error(
            request,
            status=500,
            message="A technical error occurred. Additional information is not disclosed for security reasons.",
            error_code="internal_error",
        )
    return defaults.server_error(request)
