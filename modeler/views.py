"""Sign-in with throttling of failed attempts, and the home redirect."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.shortcuts import redirect


def _throttle_key(request, username: str) -> str:
    ip = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{ip}|{username.lower()}".encode()).hexdigest()
    return f"login-failures:{digest}"


class ThrottledLoginView(auth_views.LoginView):
    """Django's login page; after N failures for one (address, username) the form refuses for a while."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        key = _throttle_key(request, request.POST.get("username", ""))
        if cache.get(key, 0) >= settings.LOGIN_THROTTLE_ATTEMPTS:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many failed sign-in attempts. Wait a few minutes and try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        key = _throttle_key(self.request, self.request.POST.get("username", ""))
        cache.add(key, 0, settings.LOGIN_THROTTLE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_THROTTLE_WINDOW_SECONDS)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_throttle_key(self.request, form.get_user().get_username()))
        return super().form_valid(form)


def home(request):
    return redirect("projects:list")
