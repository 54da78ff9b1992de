"""Routes of the process pages."""

from django.urls import path

from processes import views

app_name = "processes"
urlpatterns = [
    path("<uuid:project_id>/processes/", views.ProcessCreateView.as_view(), name="create"),
    path("<uuid:project_id>/processes/<uuid:model_id>/", views.ProcessEditorView.as_view(), name="editor"),
]
