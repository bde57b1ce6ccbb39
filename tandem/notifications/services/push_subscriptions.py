"""Web Push subscriptions: a browser registers once; the endpoint is its identity."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction

from tandem.accounts.models import User
from tandem.core.errors import InvalidInput, NotFound
from tandem.core.text import clean_text

from ..models import PushSubscription

MAX_PER_USER = 20


def subscription_add(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Register (or re-register) a browser. An endpoint moves to whoever registers it last
    (one browser profile, a different account signed in)."""
    # Plain http only where an operator allows it (tests with a local push stand-in): the
    # worker posts to this URL, so it must not become a way to reach internal services.
    if not endpoint.startswith("https://") and not settings.TANDEM_PUSH_ALLOW_HTTP:
        raise InvalidInput(fields={"endpoint": ["a push service's https URL"]})
    for name, value in (("keys.p256dh", p256dh), ("keys.auth", auth)):
        clean_text(value, field=name, max_length=200)
    with transaction.atomic():
        if (
            PushSubscription.objects.filter(user=user).exclude(endpoint=endpoint).count()
            >= MAX_PER_USER
        ):
            raise InvalidInput(fields={"endpoint": [f"at most {MAX_PER_USER} browsers"]})
        sub, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
        )
    return sub


def subscription_remove(*, user: User, subscription_id: uuid.UUID) -> None:
    deleted, _ = PushSubscription.objects.filter(user=user, public_id=subscription_id).delete()
    if not deleted:
        raise NotFound("No such subscription.")
