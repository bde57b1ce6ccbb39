"""Gift card codes are no longer stored: a keyed digest (HMAC-SHA256, key derived from
SECRET_KEY, as services/giftcards.code_digest computes it) and the last four symbols replace
them. Existing rows are converted, then the clear code column is dropped. It can be undone
only while there are no cards: codes cannot be recovered from their digests."""

from django.conf import settings

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError
from django.utils.crypto import salted_hmac

# The same salt as services/giftcards._DIGEST_SALT (copied: a migration must not change
# when the live code does).
_DIGEST_SALT = "tandem.payments.giftcard-code"


def digest_codes(apps, schema_editor):
    GiftCard = apps.get_model("payments", "GiftCard")
    for card in GiftCard.objects.exclude(code="").only("pk", "code").iterator():
        GiftCard.objects.filter(pk=card.pk).update(
            code_digest=salted_hmac(
                _DIGEST_SALT, card.code, secret=settings.SECRET_KEY, algorithm="sha256"
            ).hexdigest(),
            code_hint=card.code[-4:],
        )


def refuse_if_cards(apps, schema_editor):
    """Going back is possible only without cards: a digest cannot give its code back."""
    if apps.get_model("payments", "GiftCard").objects.exists():
        raise IrreversibleError("Gift card codes are stored as digests and cannot be restored.")


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_payment_voids"),
    ]

    operations = [
        migrations.AddField(
            model_name="giftcard",
            name="code_digest",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="giftcard",
            name="code_hint",
            field=models.CharField(default="", max_length=4),
            preserve_default=False,
        ),
        migrations.RunPython(digest_codes, refuse_if_cards, elidable=False),
        migrations.RemoveField(model_name="giftcard", name="code"),
        migrations.AlterField(
            model_name="giftcard",
            name="code_digest",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
