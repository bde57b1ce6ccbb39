"""Who is asking, for the async transports: an API token (Authorization: Bearer) or the
browser session. Sockets and streams only ever serve the asker's own stream.

Seam (realtime is infrastructure, below accounts): realtime does not know what a token is.
The accounts app registers the function that turns a bearer token into its active user
(`register_token_authenticator`, from `AccountsConfig.ready`). Until one is registered a
bearer token authenticates nobody; the session cookie still works (Django's auth).
"""

from __future__ import annotations

from collections.abc import Callable

from channels.db import database_sync_to_async
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

# A raw bearer token -> its active user, or None (runs in a thread: it may query).
TokenAuthenticator = Callable[[str], AbstractBaseUser | None]

_token_authenticator: TokenAuthenticator | None = None


def register_token_authenticator(authenticate: TokenAuthenticator) -> None:
    """Set how a bearer token is checked (called once, by accounts at start-up)."""
    global _token_authenticator
    _token_authenticator = authenticate


def _bearer(value: str) -> str | None:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _token_user(token: str | None) -> AbstractBaseUser | None:
    if not token or _token_authenticator is None:
        return None
    return await database_sync_to_async(_token_authenticator)(token)


async def request_user(request: HttpRequest) -> AbstractBaseUser | None:
    header = request.headers.get("Authorization", "")
    if header:
        return await _token_user(_bearer(header))
    user = await request.auser()
    return user if user.is_authenticated else None


async def socket_user(scope: dict) -> AbstractBaseUser | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return await _token_user(_bearer(value.decode("latin-1")))
    user = scope.get("user")
    return user if user is not None and user.is_authenticated else None
