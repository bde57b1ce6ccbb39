"""What coaches does when an account changes (accounts' domain signals, tandem/accounts/signals.py).

Connected in `CoachesConfig.ready`. Both run inside the sender's transaction.
"""

from typing import Any

from tandem.accounts.models import CoachApplication, User
from tandem.accounts.signals import coach_application_approved, user_profile_changed

from .search import refresh_search_vectors_for_user
from .services import coach_profile_verify


def refresh_search_on_profile_change(
    sender: type[User], *, user: User, fields: frozenset[str], **kwargs: Any
) -> None:
    """A coach's name is part of their directory search document."""
    if "display_name" in fields:
        refresh_search_vectors_for_user(user.pk)


def verify_coach_on_approval(
    sender: type[CoachApplication], *, application: CoachApplication, **kwargs: Any
) -> None:
    """An approved applicant gets a verified coach profile (created if they have none)."""
    coach_profile_verify(
        user=application.user,
        headline=application.headline,
        credentials=application.credentials,
    )


def connect() -> None:
    user_profile_changed.connect(
        refresh_search_on_profile_change, sender=User, dispatch_uid="coaches.search.profile"
    )
    coach_application_approved.connect(
        verify_coach_on_approval, sender=CoachApplication, dispatch_uid="coaches.verify.approved"
    )
