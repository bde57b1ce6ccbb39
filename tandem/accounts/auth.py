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
