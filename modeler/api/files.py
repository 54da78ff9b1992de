"""The one way stored files leave Modeler: inert attachments.

A model's content is whatever a user sent (the BPMN XSD lets any XML sit in `documentation`),
so a browser must never render it in our origin: every stored file is answered as an
attachment, with `X-Content-Type-Options: nosniff` and a `sandbox` Content-Security-Policy
(django-csp reads it from the response; SecurityMiddleware adds nosniff to every response).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header


def attachment_response(data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """`data` as a download named `filename` that no browser runs or renders inline."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response._csp_config = settings.STORED_FILE_CONTENT_SECURITY_POLICY
    return response
