"""Routes of the connector pages."""

from django.urls import path

from connectors import views

app_name = "connectors"
urlpatterns = [
    path("<uuid:project_id>/connectors/", views.ConnectorCreateView.as_view(), name="create"),
    path("<uuid:project_id>/connectors/<uuid:model_id>/", views.ConnectorEditorView.as_view(), name="editor"),
]
