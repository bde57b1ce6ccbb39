"""Background work for bookings. Tasks take ids, load fresh state, and may run twice."""

from django_tasks import task

from . import emails


@task()
def send_booking_emails_task(
    booking_id: int, kind: str, previous_start_iso: str | None = None
) -> None:
    """Email coach and client about a booking change (enqueued on commit by the services)."""
    emails.send_booking_emails(booking_id, kind, previous_start_iso)


@task()
def expire_pending_task(booking_id: int) -> None:
    """Lapse requests whose time has come (this one, and any other that is due)."""
    from .services import expire_due_requests

    expire_due_requests()


@task()
def booking_sweep_task() -> None:
    """Lapse due requests; delete long-expired holds and old idempotency records."""
    from .services import booking_sweep

    booking_sweep()
