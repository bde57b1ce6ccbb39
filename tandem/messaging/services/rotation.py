"""Re-encrypting everything with the current (first) key, and re-indexing it.

Safe to run while the site serves and safe to run again: rows already under the first key
are skipped, and each row is replaced with a conditional UPDATE (only if it still holds the
token that was read), so a concurrent edit or delete is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tandem.core.crypto import keyring

from ..models import Attachment, Message
from . import storage
from .indexing import index_message

BATCH = 200


@dataclass
class RotationReport:
    messages: int = 0  # message texts re-encrypted (and re-indexed)
    attachments: int = 0  # attachment files and names re-encrypted


def _rotate_messages(report: RotationReport) -> None:
    ring = keyring()
    last = 0
    while True:
        rows = list(
            Message.objects.filter(pk__gt=last)
            .exclude(body="")
            .order_by("pk")
            .only("pk", "body", "conversation_id")[:BATCH]
        )
        if not rows:
            return
        for message in rows:
            token = message.body.encode("ascii")
            if ring.is_current(token):
                continue
            text = ring.decrypt(token).decode()
            with transaction.atomic():
                fresh = ring.rotate(token).decode("ascii")
                if Message.objects.filter(pk=message.pk, body=message.body).update(body=fresh):
                    # The blind index is keyed per message key: rewrite it under the new one.
                    index_message(message, text, ring)
                    report.messages += 1
        last = rows[-1].pk


def _rotate_attachments(report: RotationReport) -> None:
    ring = keyring()
    last = 0
    while True:
        rows = list(Attachment.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        for attachment in rows:
            old_file = attachment.file.name
            token = storage.read_token(old_file)
            name_current = ring.is_current(attachment.name.encode("ascii"))
            if ring.is_current(token) and name_current:
                continue
            new_file = storage.store(ring.decrypt(token), ring)
            new_name = ring.rotate(attachment.name.encode("ascii")).decode("ascii")
            with transaction.atomic():
                swapped = Attachment.objects.filter(
                    pk=attachment.pk, file=old_file, name=attachment.name
                ).update(file=new_file, name=new_name)
                if swapped:
                    storage.discard_on_commit(old_file)
                    report.attachments += 1
            if not swapped:  # changed meanwhile (the message was deleted)
                storage.discard(new_file)
        last = rows[-1].pk


def rotate_keys() -> RotationReport:
    report = RotationReport()
    _rotate_messages(report)
    _rotate_attachments(report)
    return report
