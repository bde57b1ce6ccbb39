"""A text column stored encrypted at rest: Python code sees plaintext, the database a token.

`EncryptedTextField` encrypts on the way in (`get_prep_value`) with the first key of
TANDEM_MESSAGE_KEYS and decrypts on the way out (`from_db_value`) with any of them (see
crypto.py), so a database dump holds Fernet tokens only. It cannot be filtered, ordered or
searched in SQL: search runs on the blind index (blind_index.py). Lengths are the services'
rule (a token is ~1.4x the text plus 100 bytes), so the column has no max_length.

Key rotation: `manage.py rotate_encrypted_text` re-saves every such column under the current key.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models, transaction

from .crypto import keyring

ROTATE_BATCH = 500


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return keyring().decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return keyring().encrypt_text(value)


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def rotate_encrypted_text() -> dict[str, int]:
    """Re-encrypt every EncryptedTextField of every model with the current key. Safe to run
    while serving and to run again; rows are rewritten in batches of ROTATE_BATCH."""
    report: dict[str, int] = {}
    for model in apps.get_models():
        names = encrypted_fields(model)
        if not names:
            continue
        count = 0
        last_pk: Any = None
        while True:
            batch_qs = model._default_manager.order_by("pk").only("pk", *names)
            if last_pk is not None:
                batch_qs = batch_qs.filter(pk__gt=last_pk)
            batch = list(batch_qs[:ROTATE_BATCH])
            if not batch:
                break
            with transaction.atomic():
                model._default_manager.bulk_update(batch, names)
            count += len(batch)
            last_pk = batch[-1].pk
        report[model._meta.label] = count
    return report
