"""Effects done once (tandem/core/effects.py): an email is sent once per key, the record is in
the database (not the cache), and a resend in the crash window carries the same Message-ID."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMessage

from tandem.core.effects import (
    effect_done,
    message_id,
    prune_effects,
    record_effect,
    send_email_once,
)
from tandem.core.models import EffectDone

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def message() -> EmailMessage:
    return EmailMessage("Subject", "Body", "from@example.com", ["to@example.com"])


def test_an_email_is_sent_once_per_key_even_when_the_cache_forgets():
    assert send_email_once("invite:1", message())
    cache.clear()  # a worker killed with a local-memory cache loses everything in it
    assert not send_email_once("invite:1", message())
    assert len(mail.outbox) == 1
    assert effect_done("invite:1")


def test_a_resend_in_the_crash_window_carries_the_same_message_id(settings):
    settings.TANDEM_MAIL_DOMAIN = "mail.example"
    send_email_once("invite:2", message())
    EffectDone.objects.all().delete()  # as if killed after the send, before the record
    send_email_once("invite:2", message())
    ids = [m.message()["Message-ID"] for m in mail.outbox]
    assert ids[0] == ids[1] == message_id("invite:2")
    assert ids[0].startswith("<") and ids[0].endswith("@mail.example>")
    assert "invite" not in ids[0]  # a hash: no ids in the header
    assert message_id("invite:3") != ids[0]


def test_a_failed_send_records_nothing(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    with pytest.raises(OSError):
        send_email_once("invite:4", message())
    assert not effect_done("invite:4")


def test_records_are_kept_for_the_retention_then_pruned(settings):
    settings.TANDEM_EFFECT_RETENTION_DAYS = 30
    record_effect("old", now=NOW - timedelta(days=31))
    record_effect("recent", now=NOW - timedelta(days=29))
    record_effect("recent", now=NOW)  # a second record of a key is a no-op
    assert prune_effects(now=NOW) == 1
    assert list(EffectDone.objects.values_list("key", flat=True)) == ["recent"]
