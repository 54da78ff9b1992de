"""The DevOps pages: the list of one's descriptors (with their release and state) and the
descriptor editor. Pages render data with json_script; static/js/deployments.js does the rest
through the deployment service API. APS_DEVOPS is checked first (403 naming the role)."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from deployments import selectors
from deployments.api import descriptor_entry, release_detail_entry
from modeler.api.errors import json_error
from modeler.roles import APS_DEVOPS, RoleRequiredMixin

API = "/deployment-service/v1"


class DevopsPageMixin(RoleRequiredMixin):
    required_role = APS_DEVOPS


def _urls() -> dict[str, str]:
    return {"api": API, "list": "/deployments/"}


class DescriptorListView(DevopsPageMixin, View):
    def get(self, request):
        descriptors = selectors.descriptors_of(request.user).order_by("name")
        rows = [descriptor_entry(descriptor) for descriptor in descriptors]
        releases = selectors.deployable_releases(request.user)
        return render(request, "deployments/descriptor_list.html", {"rows": rows, "releases": releases})


class DescriptorNewView(DevopsPageMixin, View):
    def get(self, request):
        release_id = request.GET.get("release")
        if not release_id:
            return redirect("deployments:list")
        release = selectors.release_to_deploy(request.user, release_id)
        data = {
            "mode": "new",
            "release": release_detail_entry(release, selectors.release_connectors(release)),
            "descriptor": None,
            "urls": _urls(),
        }
        return render(request, "deployments/descriptor_edit.html", {"data": data, "release": release})


class DescriptorEditView(DevopsPageMixin, View):
    def get(self, request, descriptor_id):
        descriptor = selectors.descriptor_for(request.user, descriptor_id)
        release = descriptor.release = selectors.release_of(request.user, descriptor)
        data = {
            "mode": "edit",
            "release": release_detail_entry(release, selectors.release_connectors(release)),
            "descriptor": descriptor_entry(descriptor),
            "urls": _urls(),
        }
        return render(
            request,
            "deployments/descriptor_edit.html",
            {"data": data, "release": release, "descriptor": descriptor},
        )


@csrf_exempt
def unknown_api_path(request) -> JsonResponse:
    """The deployment API's catch-all: an unknown path answers 404 in the API's error shape."""
    return json_error(request, status=404, message="Not found.", error_code="not_found")
