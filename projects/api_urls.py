"""Routes of the projects API under /modeling-service/v1/."""

from django.urls import path

from projects import api

urlpatterns = [
    path("projects", api.ProjectListApi.as_view(), name="api-projects"),
    path("projects/<str:project_id>", api.ProjectDetailApi.as_view(), name="api-project"),
    path(
        "projects/<str:project_id>/collaborators", api.CollaboratorListApi.as_view(), name="api-collaborators"
    ),
    path(
        "projects/<str:project_id>/collaborators/<str:username>",
        api.CollaboratorDetailApi.as_view(),
        name="api-collaborator",
    ),
]
