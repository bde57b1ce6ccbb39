"""min_price now means the cheapest PAID active session in the coach's currency (0 when all
are free): recompute it for existing coaches (services.refresh_min_price keeps it from here)."""

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Coalesce


def recompute(apps, schema_editor):
    CoachProfile = apps.get_model("coaches", "CoachProfile")
    SessionType = apps.get_model("coaches", "SessionType")

    def cheapest(**only):
        return Subquery(
            SessionType.objects.filter(
                coach=OuterRef("pk"), is_active=True, currency=OuterRef("currency"), **only
            )
            .order_by()
            .values("coach")
            .annotate(cheapest=Min("price"))
            .values("cheapest")[:1]
        )

    CoachProfile.objects.update(min_price=Coalesce(cheapest(price__gt=0), cheapest()))


class Migration(migrations.Migration):
    dependencies = [("coaches", "0005_min_price_by_currency_index")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
