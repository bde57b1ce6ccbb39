"""Who may see an engagement: its coach and its client, nobody else (not staff, not sponsors).

Every workspace read and write starts here. An object of an engagement the viewer is not in
is `None` here and 404 at the edge, exactly like an unknown id.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.db.models import Q, QuerySet

from ..models import Engagement

Role = Literal["coach", "client"]


def parse_id(value: Any) -> uuid.UUID | None:
    """A public id from a URL or payload; None for anything that is not a UUID."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def engagements_of(user: Any) -> QuerySet[Engagement]:
    """Every engagement the user is in, as coach or client."""
    if not getattr(user, "is_authenticated", False):
        return Engagement.objects.none()
    return Engagement.objects.filter(Q(coach__user_id=user.pk) | Q(client_id=user.pk))


def engagement_for(user: Any, public_id: Any) -> Engagement | None:
    """The engagement with this id if the user is its coach or client; else None."""
    parsed = parse_id(public_id)
    if parsed is None:
        return None
    return (
        engagements_of(user)
        .select_related("coach__user", "client")
        .filter(public_id=parsed)
        .first()
    )


def role_in(engagement: Engagement, user: Any) -> Role:
    """The viewer's side of an engagement they are known to be in."""
    return "coach" if engagement.coach.user_id == user.pk else "client"


def counterpart(engagement: Engagement, user: Any) -> Any:
    return engagement.client if role_in(engagement, user) == "coach" else engagement.coach.user
