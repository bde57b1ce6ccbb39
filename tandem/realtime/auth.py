"""Who is asking, for the async transports: an API token (Authorization: Bearer) or the
browser session. Sockets and streams only ever serve the asker's own stream."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.http import HttpRequest

from tandem.accounts.models import User
from tandem.accounts.services import api_token_authenticate


def _bearer(value: str) -> str | None:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def request_user(request: HttpRequest) -> User | None:
    header = request.headers.get("Authorization", "")
    if header:
        token = _bearer(header)
        return await database_sync_to_async(api_token_authenticate)(token) if token else None
    user = await request.auser()
    return user if user.is_authenticated else None  # type: ignore[return-value]


async def socket_user(scope: dict) -> User | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            token = _bearer(value.decode("latin-1"))
            return await database_sync_to_async(api_token_authenticate)(token) if token else None
    user = scope.get("user")
    return user if user is not None and user.is_authenticated else None
