"""The site's own 404 page for every unknown path, also with DEBUG on (bin/serve): the last
route of modeler/urls.py. A path that only lacks its trailing slash is still redirected, as
APPEND_SLASH would. Must not import the apps."""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve

from modeler import error_views


def unknown_page(request, path: str = ""):
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not unknown_page:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    return error_views.page_not_found(request, None)


def favicon(request):
    """/favicon.ico, which browsers ask for on every page (a 32×32 icon shipped in static/)."""
    from django.conf import settings
    from django.http import HttpResponse

    icon = (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()
    return HttpResponse(icon, content_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})
