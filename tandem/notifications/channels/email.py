"""The email channel: one notice per delivery (HTML + text), or the user's daily digest."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tandem.accounts.models import User
from tandem.accounts.selectors import user_by_pk

from ..models import Delivery

S = Delivery.Status


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.TANDEM_SITE_URL.rstrip("/") + url


def _message_id(key: str) -> str:
    # Stable per delivery: a copy sent again after a crash carries the same Message-ID.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{settings.TANDEM_MAIL_DOMAIN}>"


def _compose(user: User, subject: str, template: str, context: dict, key: str):
    site = settings.TANDEM_SITE_URL.rstrip("/")
    context = {
        **context,
        "recipient_name": user.name,
        "site_url": site,
        "preferences_url": site + "/settings/notifications/",
    }
    with translation.override(user.locale or "en"):
        text = re.sub(r"\n{3,}", "\n\n", render_to_string(f"{template}.txt", context))
        html = render_to_string(f"{template}.html", context)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "[Tandem] ")
    message = EmailMultiAlternatives(
        subject=prefix + " ".join(subject.split())[:200],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((" ".join(user.name.split()), user.email))],
        headers={
            "Auto-Submitted": "auto-generated",
            "Message-ID": _message_id(key),
            "List-Unsubscribe": f"<{context['preferences_url']}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def send(delivery: Delivery) -> None:
    user = user_by_pk(delivery.user_id)
    payload = delivery.payload
    context = {
        "title": payload.get("title", ""),
        "body": payload.get("body", ""),
        "url": _absolute(payload.get("url", "")),
        "meeting_url": payload.get("meeting_url", ""),
        "is_reminder": delivery.kind == "reminder",
    }
    _compose(user, context["title"], "notifications/email/notice", context, delivery.key).send()


def send_digest(user_id: int, *, owner: str, now: datetime | None = None) -> int:
    """Everything waiting for this user's digest, in one email; returns how many items.

    Takes the user's due digest items under this worker's lease first, so two workers never
    both send one digest."""
    now = now or timezone.now()
    waiting = Delivery.objects.filter(
        user_id=user_id, channel="email", digest=True, status=S.PENDING, due_at__lte=now
    )
    lease = now + timedelta(seconds=settings.TANDEM_DELIVERY_LEASE_SECONDS)
    waiting.filter(
        Q(lease_owner=owner) | Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    ).update(lease_owner=owner, lease_until=lease)
    items = list(waiting.filter(lease_owner=owner).order_by("created_at", "pk"))
    if not items:
        return 0
    user = user_by_pk(user_id)
    entries = [
        {
            "title": d.payload.get("title", ""),
            "body": d.payload.get("body", ""),
            "url": _absolute(d.payload.get("url", "")),
        }
        for d in items
    ]
    key = "digest:" + ",".join(str(d.pk) for d in items)
    subject = f"Your Tandem digest: {len(items)} update{'s' if len(items) != 1 else ''}"
    _compose(user, subject, "notifications/email/digest", {"entries": entries}, key).send()
    Delivery.objects.filter(
        pk__in=[d.pk for d in items], lease_owner=owner, status=S.PENDING
    ).update(status=S.SENT, sent_at=timezone.now(), lease_until=None)
    return len(items)
