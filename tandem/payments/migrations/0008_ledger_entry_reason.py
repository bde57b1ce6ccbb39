"""Ledger entries carry their transaction's reason (copied at posting; both are append-only),
so an account's figures by reason are an index-only scan of its entries (a sponsor's budget:
55,000 entries no longer each look up their transaction)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_reasons(apps, schema_editor):
    LedgerEntry = apps.get_model("payments", "LedgerEntry")
    LedgerTransaction = apps.get_model("payments", "LedgerTransaction")
    LedgerEntry.objects.update(
        reason=Subquery(
            LedgerTransaction.objects.filter(pk=OuterRef("transaction_id")).values("reason")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0007_sponsor_card_funding"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="reason",
            field=models.CharField(default="", max_length=40),
        ),
        migrations.RunPython(copy_reasons, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                fields=["account", "reason", "amount"], name="ledger_entry_reason_idx"
            ),
        ),
    ]
