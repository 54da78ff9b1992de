"""Routes of the connectors API under /modeling-service/v1/."""

from django.urls import path

from connectors import api, scaffold_api

urlpatterns = [
    path(
        "projects/<str:project_id>/implementations",
        api.ImplementationsApi.as_view(),
        name="api-implementations",
    ),
    path(
        "models/<str:model_id>/scaffold", scaffold_api.ModelScaffoldApi.as_view(), name="api-model-scaffold"
    ),
]
