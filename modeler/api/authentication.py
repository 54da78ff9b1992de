"""Authentication classes of the modeling API: session (with CSRF), HTTP Basic and token."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (CSRF enforced on writes) with a 401 challenge.

    DRF answers 403 to anonymous callers when the first authenticator has no challenge; SPEC §2
    asks for 401. The challenge names the token scheme so browsers do not pop up a Basic dialog.
    """

    def authenticate_header(self, request) -> str:
        return 'Token realm="modeling-service"'


class SessionScheme(OpenApiAuthenticationExtension):
    """Describes the session cookie of the class above in the OpenAPI document."""

    target_class = "modeler.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
