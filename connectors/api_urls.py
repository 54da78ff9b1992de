"""Routes of the connectors API under /modeling-service/v1/."""

from django.urls import path

from connectors import api

urlpatterns = [
    path(
        "projects/<str:project_id>/implementations",
        api.ImplementationsApi.as_view(),
        name="api-implementations",
    ),
]
