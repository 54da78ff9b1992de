"""Routes of the deployments app: the DevOps pages under /deployments/ and the deployment
service API under /deployment-service/v1/ (SPEC §8.2)."""

from django.urls import include, path, re_path

from deployments import api, views

page_patterns = [
    path("", views.DescriptorListView.as_view(), name="list"),
    path("new/", views.DescriptorNewView.as_view(), name="new"),
    path("<uuid:descriptor_id>/", views.DescriptorEditView.as_view(), name="edit"),
]

api_patterns = [
    path("releases", api.DeployableReleaseListApi.as_view(), name="deployable-releases"),
    path("releases/<str:release_id>", api.DeployableReleaseDetailApi.as_view(), name="deployable-release"),
    path("descriptors", api.DescriptorListApi.as_view(), name="descriptors"),
    path("descriptors/validate", api.DescriptorCandidateValidateApi.as_view(), name="descriptor-candidate"),
    path("descriptors/<str:descriptor_id>", api.DescriptorDetailApi.as_view(), name="descriptor"),
    path(
        "descriptors/<str:descriptor_id>/validate",
        api.DescriptorValidateApi.as_view(),
        name="descriptor-validate",
    ),
    path(
        "descriptors/<str:descriptor_id>/export", api.DescriptorExportApi.as_view(), name="descriptor-export"
    ),
    re_path(r"^.*$", views.unknown_api_path),
]

urlpatterns = [
    path("deployments/", include((page_patterns, "deployments"))),
    path("deployment-service/v1/", include((api_patterns, "deployment-service"))),
]
