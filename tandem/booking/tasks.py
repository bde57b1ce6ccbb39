"""Background work for bookings. Tasks take ids, load fresh state, and may run twice."""

from django_tasks import task

from tandem.availability.services import refresh_next_available

from . import emails
from .models import Booking
from .services import booking_sweep, expire_due_requests, notifications_hook


@task()
def booking_changed_task(booking_id: int, kind: str, previous_start_iso: str | None = None) -> None:
    """After a change: refresh the coach's next free slot for the directory, move the
    booking's reminders and add notification-centre entries (through the notifications
    seam, services/notifications_hook.py), email both sides.

    One job per change (enqueued in the change's own transaction, see services/notify.py).
    """
    coach_id = Booking.objects.filter(pk=booking_id).values_list("coach_id", flat=True).first()
    if coach_id is not None:
        refresh_next_available([coach_id])
        notifications_hook.changed(booking_id, kind)
    emails.send_booking_emails(booking_id, kind, previous_start_iso)


@task()
def expire_pending_task(booking_id: int) -> None:
    """Lapse requests whose time has come (this one, and any other that is due)."""
    expire_due_requests()


@task()
def booking_sweep_task() -> None:
    """Lapse due requests; delete long-expired holds and old idempotency records."""
    booking_sweep()
