"""Routes of the projects API under /modeling-service/v1/."""

from django.urls import path

from projects import api, archive_api

urlpatterns = [
    path("projects", api.ProjectListApi.as_view(), name="api-projects"),
    # Before projects/<id>: "import" is not a project id.
    path("projects/import", archive_api.ProjectImportApi.as_view(), name="api-project-import"),
    path("projects/<str:project_id>", api.ProjectDetailApi.as_view(), name="api-project"),
    path(
        "projects/<str:project_id>/collaborators", api.CollaboratorListApi.as_view(), name="api-collaborators"
    ),
    path(
        "projects/<str:project_id>/collaborators/<str:username>",
        api.CollaboratorDetailApi.as_view(),
        name="api-collaborator",
    ),
    path(
        "projects/<str:project_id>/export", archive_api.ProjectExportApi.as_view(), name="api-project-export"
    ),
    path("projects/<str:project_id>/copy", archive_api.ProjectCopyApi.as_view(), name="api-project-copy"),
    path(
        "projects/<str:project_id>/validate",
        archive_api.ProjectValidateApi.as_view(),
        name="api-project-validate",
    ),
    path("projects/<str:project_id>/releases", archive_api.ProjectReleasesApi.as_view(), name="api-releases"),
    path(
        "projects/<str:project_id>/releases/upload",
        archive_api.ReleaseUploadApi.as_view(),
        name="api-release-upload",
    ),
    path("releases/<str:release_id>", archive_api.ReleaseDetailApi.as_view(), name="api-release"),
    path(
        "releases/<str:release_id>/export", archive_api.ReleaseExportApi.as_view(), name="api-release-export"
    ),
    path(
        "releases/<str:release_id>/restore",
        archive_api.ReleaseRestoreApi.as_view(),
        name="api-release-restore",
    ),
]
