"""Request guards around every view: a dropped database connection answers 503 with
Retry-After (not 500), a URL no database can hold (NUL, unpaired surrogates) answers 400, and
an answer given before the body was read (413, 415, 401 …) still reaches a client that is
sending it (the body is read and dropped, within a bound, instead of resetting the connection)."""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponseBadRequest
from django.template.response import TemplateResponse

from modeler.api import is_api_path
from modeler.api.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, json_error
from modeler.api.parsers import drain
from modeler.strict_json import UNSTORABLE_TEXT

logger = logging.getLogger(__name__)


def database_unavailable_response(request):
    if is_api_path(request.path):
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


class UnstorableURLMiddleware:
    """Refuse a path or query string holding NUL or an unpaired surrogate (`%00`, `%ED%A0%80`).

    PostgreSQL refuses NUL in any string, so `?name=%00` or `/collaborators/%00` would reach a
    query and fail with a 500; no name or filter of Modeler can contain them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        texts = [request.path, *request.GET.keys(), *(v for vs in request.GET.lists() for v in vs[1])]
        if any(UNSTORABLE_TEXT.search(text) for text in texts):
            message = "The URL contains a NUL character or an invalid character encoding."
            if is_api_path(request.path):
                return json_error(request, status=400, message=message, error_code="invalid_text")
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DrainRequestBodyMiddleware:
    """Read what is left of the request body (at most DRAIN_LIMIT_BYTES) once the answer is made.

    gunicorn closes a connection whose body was not read; a client still sending a large body
    then sees a reset instead of our 413 or 415. Outermost, so it runs after every other layer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        stream = getattr(request, "_stream", None)
        if stream is not None and hasattr(stream, "read"):
            with contextlib.suppress(OSError):  # the client went away: nothing left to protect
                drain(stream)
        return response


class NotFoundPageMiddleware:
    """With DEBUG on (bin/serve) a page's 404 is still our 404 page, not Django's debug page.

    Without DEBUG, Django renders handler404 itself; the API answers its own 404s in JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and settings.DEBUG and not is_api_path(request.path):
            from modeler.error_views import page_not_found

            return page_not_found(request, exception)
        return None
