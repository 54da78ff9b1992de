"""A dropped database connection answers 503 with Retry-After, not 500."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.template.response import TemplateResponse

from modeler.api import API_PREFIX
from modeler.api.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, json_error

logger = logging.getLogger(__name__)


def database_unavailable_response(request):
    if request.path.startswith(API_PREFIX):
        return json_error(
            request, status=503, message=DATABASE_UNAVAILABLE, error_code="database_unavailable"
        )
    response = TemplateResponse(request, "503.html", {"message": DATABASE_UNAVAILABLE}, status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response.render()


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            logger.warning("database unavailable on %s: %s", request.path, exception.__class__.__name__)
            return database_unavailable_response(request)
        return None
