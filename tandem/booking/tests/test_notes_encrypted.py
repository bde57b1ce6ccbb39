"""Booking notes are encrypted at rest (issue 17): migration 0006's RunPython functions turn
the plaintext rows a database held before into tokens, once, and back on reverse."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, book_session, make_type
from tandem.core.crypto import keyring

pytestmark = pytest.mark.django_db

migration = importlib.import_module("tandem.booking.migrations.0006_encrypt_booking_notes")
EDITOR = SimpleNamespace(connection=connection)

PLAIN = ["I'd like to talk about my manager", "Grüße 🎉 — naïve", "", "x" * 2000]


def raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM booking_booking WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def legacy_rows(coach, bob):
    """Bookings whose notes column holds plaintext, as before migration 0006."""
    session_type = make_type(coach)
    pks = []
    for hour, text in zip(range(9, 20), PLAIN, strict=False):
        booking = book_session(bob, coach, session_type, at(3, hour))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE booking_booking SET notes = %s WHERE id = %s", [text, booking.pk]
            )
        pks.append(booking.pk)
    return pks


def test_forward_encrypts_every_plaintext_row(legacy_rows):
    assert [raw(pk) for pk in legacy_rows] == PLAIN
    migration.encrypt(None, EDITOR)
    for pk, text in zip(legacy_rows, PLAIN, strict=True):
        stored = raw(pk)
        if not text:
            assert stored == ""
            continue
        assert text not in stored
        assert keyring().decrypt_text(stored) == text
        assert Booking.objects.get(pk=pk).notes == text


def test_forward_twice_does_not_encrypt_a_token_again(legacy_rows):
    migration.encrypt(None, EDITOR)
    first = [raw(pk) for pk in legacy_rows]
    migration.encrypt(None, EDITOR)
    assert [raw(pk) for pk in legacy_rows] == first
    assert [Booking.objects.get(pk=pk).notes for pk in legacy_rows] == PLAIN


def test_reverse_restores_the_plaintext(legacy_rows):
    migration.encrypt(None, EDITOR)
    migration.decrypt(None, EDITOR)
    assert [raw(pk) for pk in legacy_rows] == PLAIN
    migration.decrypt(None, EDITOR)  # already plain: left alone
    assert [raw(pk) for pk in legacy_rows] == PLAIN
