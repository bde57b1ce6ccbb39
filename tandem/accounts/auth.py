from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from . import services
from .models import User


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer tdm_...` with a personal API token."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = services.api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The browser's session cookie (with CSRF protection on unsafe methods)."""


api_auth = [ApiTokenAuth(), BrowserSessionAuth()]


def optional_viewer(request: HttpRequest) -> User | None:
    """Who is asking on a public endpoint (`auth=None`), if anyone: the browser session's
    user, else the owner of a valid `Authorization: Bearer` token; None for a stranger."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return services.api_token_authenticate(token.strip())
    return None
