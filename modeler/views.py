"""Sign-in page, the answer given to a locked-out sign-in (django-axes), and the home redirect.

Failed sign-ins are counted by django-axes (settings.AXES_*) in state every worker shares (the
database, or Redis when REDIS_URL is set), per (username, client address): the sign-in page, the
admin's login and the API's HTTP Basic auth all authenticate through its backend.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from modeler.api import is_api_path
from modeler.api.errors import json_error
from modeler.roles import APS_DEVOPS, APS_MODELER, has_role

LOCKED_OUT_CODE = "locked_out"
LOCKED_OUT_STATUS = 429


def locked_out_message() -> str:
    minutes = max(1, round(settings.LOGIN_THROTTLE_WINDOW_SECONDS / 60))
    return (
        f"Too many failed sign-in attempts for this username from your address. "
        f"Wait {minutes} minutes and try again."
    )


def locked_out_response(request, response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the API's JSON error shape under the API, the sign-in page elsewhere."""
    if is_api_path(request.path):
        answer = json_error(
            request, status=LOCKED_OUT_STATUS, message=locked_out_message(), error_code=LOCKED_OUT_CODE
        )
    else:
        answer = TemplateResponse(
            request,
            "registration/locked_out.html",
            {"message": locked_out_message(), "login_url": settings.LOGIN_URL},
            status=LOCKED_OUT_STATUS,
        ).render()
    answer["Retry-After"] = str(settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    return answer


class ThrottledLoginView(auth_views.LoginView):
    """Django's sign-in page; django-axes refuses it after too many failures (locked_out_response)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True


def home(request):
    """Where a signed-in user starts: the projects, or the deployments for a DevOps-only user."""
    if has_role(request.user, APS_DEVOPS) and not has_role(request.user, APS_MODELER):
        return redirect("deployments:list")
    return redirect("projects:list")
