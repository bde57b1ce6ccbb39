"""Every pair with a booking made before the workspace existed gets its engagement (the
booking_changed receiver starts new ones from now on): active, started at their first
booking, next/last session filled in."""

from django.db import migrations
from django.db.models import Max, Min, Q
from django.utils import timezone

HELD = ("pending", "confirmed", "completed", "no_show")
PAST = ("confirmed", "completed", "no_show")


def backfill(apps, schema_editor) -> None:
    Booking = apps.get_model("booking", "Booking")
    Engagement = apps.get_model("workspace", "Engagement")
    now = timezone.now()
    have = set(Engagement.objects.values_list("coach_id", "client_id"))
    pairs = (
        Booking.objects.filter(status__in=HELD)
        .values("coach_id", "client_id")
        .annotate(
            first=Min("created_at"),
            last=Max("start", filter=Q(start__lt=now, status__in=PAST)),
            next=Min("start", filter=Q(start__gte=now, status__in=("pending", "confirmed"))),
        )
    )
    Engagement.objects.bulk_create(
        [
            Engagement(
                coach_id=row["coach_id"],
                client_id=row["client_id"],
                source="booking",
                started_at=row["first"],
                state_changed_at=row["first"],
                updated_at=now,
                last_session_at=row["last"],
                next_session_at=row["next"],
            )
            for row in pairs
            if (row["coach_id"], row["client_id"]) not in have
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0002_create_record_scope_length"),
        ("booking", "0006_encrypt_booking_notes"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
