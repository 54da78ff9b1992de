"""Routes of the projects pages."""

from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.ProjectListView.as_view(), name="list"),
    path("<uuid:project_id>/", views.ProjectDetailView.as_view(), name="detail"),
    path("<uuid:project_id>/models.json", views.WorkspaceModelsView.as_view(), name="workspace-models"),
    path(
        "<uuid:project_id>/revalidate", views.WorkspaceRevalidateView.as_view(), name="workspace-revalidate"
    ),
    path(
        "<uuid:project_id>/models/<uuid:model_id>/editor.json",
        views.WorkspaceModelView.as_view(),
        name="workspace-model",
    ),
    path(
        "<uuid:project_id>/models/<uuid:model_id>/usages.json",
        views.WorkspaceUsagesView.as_view(),
        name="workspace-usages",
    ),
    path(
        "<uuid:project_id>/models/<uuid:model_id>/rename",
        views.WorkspaceRenameView.as_view(),
        name="workspace-rename",
    ),
    path(
        "<uuid:project_id>/models/<uuid:model_id>/duplicate",
        views.WorkspaceDuplicateView.as_view(),
        name="workspace-duplicate",
    ),
    path("<uuid:project_id>/delete/", views.ProjectDeleteView.as_view(), name="delete"),
    path("<uuid:project_id>/collaborators/", views.CollaboratorAddView.as_view(), name="collaborator-add"),
    path(
        "<uuid:project_id>/collaborators/<str:username>/remove/",
        views.CollaboratorRemoveView.as_view(),
        name="collaborator-remove",
    ),
]
