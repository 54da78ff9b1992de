"""Routes of the models API under /modeling-service/v1/."""

from django.urls import path

from projects import archive_api, model_api

urlpatterns = [
    path("projects/<str:project_id>/models", model_api.ProjectModelsApi.as_view(), name="api-models"),
    path(
        "projects/<str:project_id>/models/import", model_api.ModelImportApi.as_view(), name="api-model-import"
    ),
    path("models/<str:model_id>", model_api.ModelDetailApi.as_view(), name="api-model"),
    path("models/<str:model_id>/content", model_api.ModelContentApi.as_view(), name="api-model-content"),
    path("models/<str:model_id>/export", model_api.ModelExportApi.as_view(), name="api-model-export"),
    path("models/<str:model_id>/versions", model_api.ModelVersionsApi.as_view(), name="api-model-versions"),
    path(
        "models/<str:model_id>/versions/<str:version>",
        archive_api.ModelVersionDetailApi.as_view(),
        name="api-model-version",
    ),
    path(
        "models/<str:model_id>/versions/<str:version>/content",
        archive_api.ModelVersionContentApi.as_view(),
        name="api-model-version-content",
    ),
    path(
        "models/<str:model_id>/versions/<str:version>/restore",
        archive_api.ModelVersionRestoreApi.as_view(),
        name="api-model-version-restore",
    ),
    path("models/<str:model_id>/validate", model_api.ModelValidateApi.as_view(), name="api-model-validate"),
    path("schemas/<str:key>", model_api.SchemaApi.as_view(), name="api-schema"),
]
