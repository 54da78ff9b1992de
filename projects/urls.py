"""Routes of the projects pages."""

from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.ProjectListView.as_view(), name="list"),
    path("<uuid:project_id>/", views.ProjectDetailView.as_view(), name="detail"),
    path("<uuid:project_id>/delete/", views.ProjectDeleteView.as_view(), name="delete"),
    path("<uuid:project_id>/collaborators/", views.CollaboratorAddView.as_view(), name="collaborator-add"),
    path(
        "<uuid:project_id>/collaborators/<str:username>/remove/",
        views.CollaboratorRemoveView.as_view(),
        name="collaborator-remove",
    ),
]
