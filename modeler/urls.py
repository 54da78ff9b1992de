"""Root URLs: pages, admin, and the modeling API at /modeling-service/v1/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from modeler import error_views, not_found, views

api_patterns = [
    path("", include("projects.api_urls")),
    path("", include("projects.model_api_urls")),
    path("", include("connectors.api_urls")),
    path("", include("runs.urls")),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="openapi"), name="api-docs"),
    # Unknown API paths answer in the API's error shape even with DEBUG on.
    re_path(r"^.*$", error_views.unknown_api_path),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/", include("projects.urls")),
    path("projects/", include("connectors.urls")),
    path("projects/", include("processes.urls")),
    path("admin/", admin.site.urls),
    path("modeling-service/v1/", include(api_patterns)),
    path("", include("deployments.urls")),
]

handler400 = "modeler.error_views.bad_request"
handler403 = "modeler.error_views.permission_denied"
handler404 = "modeler.error_views.page_not_found"
handler500 = "modeler.error_views.server_error"

# The favicon, and the site's own 404 page for every other unknown path, also with DEBUG on.
urlpatterns += [
    path("favicon.ico", not_found.favicon),
    re_path(r"^(?!static/)(?P<path>.*)$", not_found.unknown_page),
]
