"""Booking notes move to encryption at rest: the column type stays text; every existing
plaintext value is rewritten as a Fernet token under the current key (and back on reverse)."""

from django.db import migrations

import tandem.core.encrypted
from tandem.core.crypto import InvalidToken, keyring

BATCH = 500


def _rewrite(schema_editor, transform) -> None:
    connection = schema_editor.connection
    table = connection.ops.quote_name("booking_booking")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, notes FROM {table} WHERE notes <> ''")  # noqa: S608
        rows = cursor.fetchall()
        for start in range(0, len(rows), BATCH):
            for pk, value in rows[start : start + BATCH]:
                new = transform(value)
                if new is not None:
                    cursor.execute(
                        f"UPDATE {table} SET notes = %s WHERE id = %s",  # noqa: S608
                        [new, pk],
                    )


def encrypt(apps, schema_editor) -> None:
    ring = keyring()

    def transform(value: str) -> str | None:
        try:
            ring.decrypt_text(value)
            return None  # already a token (a re-run)
        except (InvalidToken, ValueError, UnicodeError):
            return ring.encrypt_text(value)

    _rewrite(schema_editor, transform)


def decrypt(apps, schema_editor) -> None:
    ring = keyring()

    def transform(value: str) -> str | None:
        try:
            return ring.decrypt_text(value)
        except (InvalidToken, ValueError, UnicodeError):
            return None

    _rewrite(schema_editor, transform)


class Migration(migrations.Migration):
    dependencies = [("booking", "0005_coach_pending_index")]

    operations = [
        migrations.AlterField(
            model_name="booking",
            name="notes",
            field=tandem.core.encrypted.EncryptedTextField(blank=True, max_length=2000),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
