"""A text column stored encrypted at rest: Python code sees plaintext, the database a token.

`EncryptedTextField` encrypts on the way in (`get_prep_value`) with the first key of
TANDEM_MESSAGE_KEYS and decrypts on the way out (`from_db_value`) with any of them (see
crypto.py), so a database dump holds Fernet tokens only. It cannot be filtered, ordered or
searched in SQL: search runs on the blind index (blind_index.py). Lengths are the services'
rule (a token is ~1.4x the text plus 100 bytes), so the column has no max_length.

Key rotation: `manage.py rotate_encrypted_text` (rotate_encrypted_text() below) rewrites every
such column under the current key, then sends `encrypted_text_rotated`, the documented seam
through which apps above core rebuild what is keyed per message key — the workspace's blind
index (tandem/workspace/rotation.py). docs/workspace.md has the whole procedure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.dispatch import Signal

from .crypto import InvalidToken, KeyRing, keyring

ROTATE_BATCH = 500

log = logging.getLogger(__name__)

# Sent once after rotate_encrypted_text() has rewritten every column, with `report` (a
# RotationReport) and `ring` (the KeyRing it rotated to). Receivers rebuild derived data keyed
# per key (blind indexes) under ring's first key. Receivers run outside any transaction and
# must be safe to run again; an exception in one propagates (the command then fails loudly and
# can simply be re-run).
encrypted_text_rotated = Signal()


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


@dataclass
class RotationReport:
    # model label -> rows rewritten under the current key (rows already current are skipped)
    rotated: dict[str, int] = field(default_factory=dict)
    # model label -> rows no configured key decrypts (left as they are; a key dropped too early)
    undecryptable: dict[str, int] = field(default_factory=dict)
    # what receivers of encrypted_text_rotated rebuilt, by their own label
    rebuilt: dict[str, int] = field(default_factory=dict)


def _rotated_token(ring: KeyRing, token: str | None) -> str | None:
    """The token under the current key; None when it already is (or is empty)."""
    if not token:
        return None
    raw = token.encode("ascii")
    if ring.is_current(raw):
        return None
    return ring.rotate(raw).decode("ascii")


def _rotate_model(model: type[models.Model], names: list[str], ring: KeyRing) -> tuple[int, int]:
    """Rewrite one model's encrypted columns. Raw SQL on purpose: the field would encrypt a
    token used in a WHERE again. Each row is replaced with a conditional UPDATE (only if it
    still holds the tokens read), so a concurrent edit or delete is never overwritten — that
    row was written under the current key anyway."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk
    assert pk is not None and pk.column is not None
    pk_col = connection.ops.quote_name(pk.column)
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = [connection.ops.quote_name(str(by_attname[n])) for n in names]
    head = f"SELECT {pk_col}, {', '.join(columns)} FROM {table}"
    rotated = undecryptable = 0
    last: Any = None
    while True:
        with connection.cursor() as cursor:
            if last is None:
                cursor.execute(f"{head} ORDER BY {pk_col} LIMIT %s", [ROTATE_BATCH])
            else:
                cursor.execute(
                    f"{head} WHERE {pk_col} > %s ORDER BY {pk_col} LIMIT %s", [last, ROTATE_BATCH]
                )
            rows = cursor.fetchall()
        if not rows:
            return rotated, undecryptable
        for row in rows:
            old = list(row[1:])
            try:
                new = [_rotated_token(ring, value) for value in old]
            except (InvalidToken, ValueError, UnicodeError):
                undecryptable += 1
                log.warning("%s %s: no configured key decrypts it", model._meta.label, row[0])
                continue
            if all(value is None for value in new):
                continue
            sets = [(c, v) for c, v in zip(columns, new, strict=True) if v is not None]
            where = [(c, v) for c, v, n in zip(columns, old, new, strict=True) if n is not None]
            sql = (
                f"UPDATE {table} SET {', '.join(f'{c} = %s' for c, _ in sets)} "
                f"WHERE {pk_col} = %s AND {' AND '.join(f'{c} = %s' for c, _ in where)}"
            )
            params = [v for _, v in sets] + [row[0]] + [v for _, v in where]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
                rotated += cursor.rowcount
        last = rows[-1][0]


def rotate_encrypted_text() -> RotationReport:
    """Re-encrypt every EncryptedTextField of every model with the current key, then let the
    apps above rebuild their blind indexes (encrypted_text_rotated). Safe to run while serving
    and to run again: rows already under the current key are skipped."""
    ring = keyring()
    report = RotationReport()
    for model in apps.get_models():
        names = encrypted_fields(model)
        if not names:
            continue
        rotated, undecryptable = _rotate_model(model, names, ring)
        report.rotated[model._meta.label] = rotated
        if undecryptable:
            report.undecryptable[model._meta.label] = undecryptable
    for _receiver, result in encrypted_text_rotated.send(sender=None, report=report, ring=ring):
        if isinstance(result, dict):
            report.rebuilt.update(result)
    return report
