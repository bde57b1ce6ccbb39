"""Rows for the job fault test (test_fault_jobs.py), made inside `manage.py shell` against the
test's own database (the test process itself is on pytest-django's).

`seed(n)` makes n declined booking requests (spread over a few coaches, so none overlap) and
enqueues, per booking, the real job a decline enqueues: `booking_changed_task(id, "declined")`.
Each such job refreshes the coach's next free slot, brings the booking's reminders in line,
adds a notification-centre entry for the client (and its realtime event) and emails the
client (booking/emails.py). The decline is the cheapest change that has every kind of effect
(the request would mail both sides): the test runs 1,000 of them on a shared 2-core machine.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

COACHES = 10
CLIENTS = 50


def seed(n: int) -> None:
    from tandem.accounts.models import User
    from tandem.booking.models import Booking
    from tandem.booking.tasks import booking_changed_task
    from tandem.coaches.models import CoachProfile, SessionType

    with transaction.atomic():
        types = []
        for c in range(COACHES):
            user = User.objects.create(email=f"coach{c}@example.com", display_name=f"Coach {c}")
            coach = CoachProfile.objects.create(
                user=user, slug=f"coach-{c}", headline="Coach", timezone="UTC", is_active=True
            )
            types.append(
                SessionType.objects.create(
                    coach=coach, name="Session", duration_minutes=30, price=Decimal("10.00")
                )
            )
        clients = [
            User.objects.create(email=f"client{k}@example.com", display_name=f"Client {k}")
            for k in range(CLIENTS)
        ]
        base = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        rows = []
        for i in range(n):
            session_type = types[i % COACHES]
            start = base + timedelta(hours=i // COACHES)
            end = start + timedelta(minutes=30)
            rows.append(
                Booking(
                    coach=session_type.coach,
                    client=clients[i % CLIENTS],
                    session_type=session_type,
                    start=start,
                    end=end,
                    blocked_start=start,
                    blocked_end=end,
                    status=Booking.Status.DECLINED,
                )
            )
        Booking.objects.bulk_create(rows)
        for booking_id in Booking.objects.order_by("pk").values_list("pk", flat=True):
            booking_changed_task.enqueue(booking_id, "declined")
