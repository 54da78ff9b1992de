"""Authentication classes of the modeling API: session (with CSRF), HTTP Basic and token.

The token's user and the user's roles are read in one query (the role check of every call needs
them). HTTP Basic goes through django-axes like the sign-in page (a locked-out caller gets 429 in the
API's error shape) and remembers verified credentials for a short while, because checking a
password costs about 1.5 s of CPU (PBKDF2 at 1,000,000 iterations) and a script sends its
credentials with every call.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.db import connection
from django.utils.crypto import salted_hmac
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from modeler.roles import remember_roles, role_columns
from modeler.strict_json import UNSTORABLE_TEXT
from modeler.views import LOCKED_OUT_CODE, locked_out_message

_CREDENTIALS_SALT = "modeler.api.authentication.basic-credentials"
_FINGERPRINT_SALT = "modeler.api.authentication.basic-user"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (CSRF enforced on writes) with a 401 challenge.

    DRF answers 403 to anonymous callers when the first authenticator has no challenge; SPEC §2
    asks for 401. The challenge names the token scheme so browsers do not pop up a Basic dialog.
    """

    def authenticate_header(self, request) -> str:
        return 'Token realm="modeling-service"'


class SignInLocked(exceptions.Throttled):
    """429 for a (username, address) that django-axes has locked out."""

    def __init__(self) -> None:
        super().__init__(detail=locked_out_message(), code=LOCKED_OUT_CODE)
        self.wait = settings.LOGIN_THROTTLE_WINDOW_SECONDS  # Retry-After, without DRF's extra sentence


def _credentials_key(username: str, password: str) -> str:
    """A cache key that names the credentials without holding them: HMAC-SHA256 under SECRET_KEY."""
    value = f"{len(username)}:{username}:{password}"
    return "basic-auth:" + salted_hmac(_CREDENTIALS_SALT, value, algorithm="sha256").hexdigest()


def _fingerprint(user) -> str:
    """Changes when the stored password hash or is_active changes, which ends every cached entry."""
    value = f"{user.pk}:{user.password}:{user.is_active}"
    return salted_hmac(_FINGERPRINT_SALT, value, algorithm="sha256").hexdigest()


def _remembered_user(key: str):
    entry = cache.get(key)
    if not isinstance(entry, dict):
        return None
    user = get_user_model()._default_manager.filter(pk=entry.get("user")).first()
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(str(entry.get("fingerprint", "")), _fingerprint(user)):
        return None
    return user


class BasicAuthentication(authentication.BasicAuthentication):
    """DRF's HTTP Basic auth through django-axes, with verified credentials kept for
    BASIC_AUTH_CACHE_SECONDS under a keyed hash (never the password); wrong ones are never kept."""

    def authenticate_credentials(self, userid, password, request=None):
        if UNSTORABLE_TEXT.search(userid) or UNSTORABLE_TEXT.search(password):
            # No account has such a name, and the lockout counters could not even store it.
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        key = _credentials_key(userid, password)
        user = _remembered_user(key)
        if user is not None:
            # No lockout check here: only the right password finds an entry, so it helps no guesser.
            return (user, None)
        # django-axes flags the request it is given; the Django request is the one its middleware sees.
        http_request = getattr(request, "_request", request)
        credentials = {get_user_model().USERNAME_FIELD: userid, "password": password}
        user = authenticate(request=http_request, **credentials)
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                raise SignInLocked()
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if settings.BASIC_AUTH_CACHE_SECONDS > 0:
            cache.set(
                key, {"user": user.pk, "fingerprint": _fingerprint(user)}, settings.BASIC_AUTH_CACHE_SECONDS
            )
        return (user, None)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication; the statement that reads the token's user reads the user's
    roles too (written out: the ORM took longer to compile it than PostgreSQL to run it)."""

    def authenticate_credentials(self, key):
        token_model = self.get_model()
        users = get_user_model()
        user_columns = ", ".join(
            f"u.{connection.ops.quote_name(f.column)}" for f in users._meta.concrete_fields
        )
        roles, params = role_columns("u.id")
        sql = (
            f"SELECT {user_columns}, {roles} FROM {token_model._meta.db_table} t "  # noqa: S608
            f"JOIN {users._meta.db_table} u ON u.id = t.user_id WHERE t.key = %s"
        )
        user = next(iter(users.objects.raw(sql, [*params, key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        remember_roles(user, user)
        return (user, token_model(key=key, user=user))


class SessionScheme(OpenApiAuthenticationExtension):
    """Describes the session cookie of the class above in the OpenAPI document."""

    target_class = "modeler.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class BasicScheme(OpenApiAuthenticationExtension):
    """Describes the HTTP Basic class above in the OpenAPI document."""

    target_class = "modeler.api.authentication.BasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}
