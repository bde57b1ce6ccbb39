"""Every seam between a lower app and a higher one is filled once the project has started.

A lower app never imports a higher one (`.importlinter`); where it must cause something up
there it calls a registry or sends a signal that the higher app fills or receives in its
`AppConfig.ready` (docs/architecture.md, "Layers and seams"). An unfilled seam fails quietly
or loudly at run time, so this checks each one is wired to the app that owns the work.
"""

from __future__ import annotations

from tandem.accounts import roles
from tandem.accounts.models import CoachApplication, Role, User
from tandem.accounts.signals import coach_application_approved, user_profile_changed
from tandem.availability import busy_time
from tandem.booking.services import notifications_hook as booking_notifications
from tandem.booking.services import payments_hook, sweep
from tandem.booking.sql import busy_branches
from tandem.coaches import availability_hook
from tandem.messaging.services import notifications_hook as messaging_notifications
from tandem.notifications.services.bookings import booking_changed, wants_booking_email
from tandem.notifications.tasks import message_posted_task
from tandem.payments.checkout import booking_port
from tandem.realtime import auth as realtime_auth


def test_booking_reaches_payments_through_its_port():
    assert payments_hook.port() is booking_port
    assert "packages_expired" in sweep._steps


def test_booking_and_messaging_reach_notifications_through_their_hooks():
    assert booking_notifications._changed is booking_changed
    assert booking_notifications._wants_email is wants_booking_email
    assert messaging_notifications._posted == message_posted_task.enqueue


def test_availability_reads_bookings_through_the_busy_time_seam():
    assert busy_branches in busy_time._sources


def test_coaches_ask_availability_through_their_hook():
    provider = availability_hook.provider()
    assert provider is not None
    assert provider.next_available.__module__ == "tandem.availability.slots"


def test_accounts_fill_realtime_token_auth_and_orgs_add_a_role():
    from tandem.accounts.services import api_token_authenticate

    assert realtime_auth._token_authenticator is api_token_authenticate
    assert Role.ORG_ADMIN.value in roles.role_conditions()


def test_coaches_follow_accounts_signals():
    assert user_profile_changed.has_listeners(User)
    assert coach_application_approved.has_listeners(CoachApplication)
