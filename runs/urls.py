"""Routes of the test runs API under /modeling-service/v1/."""

from django.urls import path

from runs import api

urlpatterns = [
    path("models/<str:model_id>/runs", api.ModelRunsApi.as_view(), name="api-model-runs"),
    path("runs/<str:run_id>", api.RunDetailApi.as_view(), name="api-run"),
]
