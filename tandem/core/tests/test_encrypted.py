"""EncryptedTextField (core/encrypted.py) and rotate_encrypted_text, on Booking.notes (the
lowest model using the field). The workspace's own columns and its blind index after a rotation
are tested in tandem/workspace/tests/test_privacy_rotation.py."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from tandem.booking import services
from tandem.booking.models import Booking
from tandem.booking.services import BookingRequest
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.core import encrypted
from tandem.core.crypto import InvalidToken, KeyRing, keyring
from tandem.core.encrypted import EncryptedTextField, encrypted_fields, rotate_encrypted_text
from tandem.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def raw_notes(booking: Booking) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM booking_booking WHERE id = %s", [booking.pk])
        return cursor.fetchone()[0]


def ring_of(*keys: str) -> KeyRing:
    from tandem.core.crypto import _build

    return _build(tuple(keys))


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


@pytest.fixture
def book(coach, bob):
    session_type = make_type(coach)
    hours = iter(range(8, 20))

    def make(notes: str) -> Booking:
        request = BookingRequest(
            coach=coach, session_type=session_type, start=at(3, next(hours)), notes=notes
        )
        return services.booking_create(client=bob, request=request).booking

    return make


@pytest.mark.parametrize(
    "text",
    [
        "plain words: my marker-7Q2",
        "Grüße, naïve café — ünïcödé 🎉 和平 שלום e\u0301",  # combining accent kept as written
        "line one\nline two\ttabbed",
        "x" * 2000,
    ],
)
def test_round_trip_stores_a_token_and_reads_back_the_text(book, text):
    booking = book(text)
    stored = raw_notes(booking)
    assert stored != text and text not in stored
    assert keyring().decrypt_text(stored) == text  # a Fernet token of exactly the text
    assert Booking.objects.get(pk=booking.pk).notes == text


def test_empty_text_is_stored_empty_not_as_a_token(book):
    booking = book("")
    assert raw_notes(booking) == ""
    assert Booking.objects.get(pk=booking.pk).notes == ""


def test_same_text_twice_gives_different_tokens(book):
    # Fernet has a random IV: equal texts are not visible as equal in a dump.
    a, b = book("same words"), book("same words")
    assert raw_notes(a) != raw_notes(b)


def test_nul_is_refused_by_the_service_and_nothing_is_stored(book, bob):
    before = Booking.objects.count()
    with pytest.raises(InvalidInput) as refused:
        book("a \x00 b")
    assert "notes" in refused.value.fields
    assert Booking.objects.count() == before


def test_nul_through_the_booking_api_is_a_4xx_and_changes_nothing(client, bob, coach):
    session_type = make_type(coach)
    client.force_login(bob)
    before = Booking.objects.count()
    response = client.post(
        "/api/v1/bookings",
        {
            "coach": str(coach.public_id),
            "session_type": str(session_type.public_id),
            "start": at(3, 10).isoformat(),
            "notes": "a \x00 b",
        },
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500, response.content
    assert "notes" in response.json()["error"]["fields"], response.content
    assert Booking.objects.count() == before


def test_unknown_token_is_an_error_not_a_silent_value(book, settings):
    booking = book("needs the old key")
    settings.TANDEM_MESSAGE_KEYS = [NEW]  # the key that wrote it is gone
    with pytest.raises(InvalidToken):
        Booking.objects.get(pk=booking.pk)


def test_encrypted_fields_lists_the_columns():
    assert encrypted_fields(Booking) == ["notes"]
    assert isinstance(Booking._meta.get_field("notes"), EncryptedTextField)


def test_rotation_leaves_every_row_readable_with_the_new_key_alone(book, settings):
    settings.TANDEM_MESSAGE_KEYS = [OLD]
    texts = ["first 🎈", "second", "", "third\nline"]
    bookings = [book(t) for t in texts]

    settings.TANDEM_MESSAGE_KEYS = [NEW, OLD]
    report = rotate_encrypted_text()
    assert report.rotated["booking.Booking"] == 3  # the empty one has no token
    assert report.undecryptable == {}

    settings.TANDEM_MESSAGE_KEYS = [NEW]
    for booking, text in zip(bookings, texts, strict=True):
        assert Booking.objects.get(pk=booking.pk).notes == text
        stored = raw_notes(booking)
        assert stored == "" or ring_of(NEW).is_current(stored.encode())
    # Nothing anywhere (any model's encrypted column) is left under the old key.
    assert_all_current(NEW)

    # A second run finds nothing to do.
    settings.TANDEM_MESSAGE_KEYS = [NEW, OLD]
    assert rotate_encrypted_text().rotated["booking.Booking"] == 0


def assert_all_current(key: str) -> None:
    """Every non-empty encrypted column of every model decrypts with `key` alone."""
    from django.apps import apps

    ring = ring_of(key)
    for model in apps.get_models():
        names = encrypted_fields(model)
        if not names:
            continue
        columns = ", ".join(
            connection.ops.quote_name(str(f.column))
            for f in model._meta.concrete_fields
            if f.attname in names
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {model._meta.db_table}")
            for row in cursor.fetchall():
                for value in row:
                    if value:
                        ring.decrypt(value.encode("ascii"))  # raises if not


def test_rotation_reports_a_row_no_key_decrypts_and_leaves_it(book, settings):
    settings.TANDEM_MESSAGE_KEYS = [OLD]
    lost = book("written under a key that will be dropped")
    kept = book("fine")
    settings.TANDEM_MESSAGE_KEYS = [NEW]
    Booking.objects.filter(pk=kept.pk).update(notes="fine")  # rewritten under NEW
    before = raw_notes(lost)

    report = rotate_encrypted_text()
    assert report.undecryptable == {"booking.Booking": 1}
    assert raw_notes(lost) == before

    with pytest.raises(Exception, match="no configured key decrypts"):
        call_command("rotate_encrypted_text")


def test_rotation_never_overwrites_an_edit_made_meanwhile(book, settings, monkeypatch):
    settings.TANDEM_MESSAGE_KEYS = [OLD]
    booking = book("before the edit")
    settings.TANDEM_MESSAGE_KEYS = [NEW, OLD]
    real = encrypted._rotated_token

    def edit_then_rotate(ring, token):
        # The user saves an edit between rotation's read and its write.
        Booking.objects.filter(pk=booking.pk).update(notes="the edit")
        return real(ring, token)

    monkeypatch.setattr(encrypted, "_rotated_token", edit_then_rotate)
    report = rotate_encrypted_text()
    assert report.rotated["booking.Booking"] == 0
    assert Booking.objects.get(pk=booking.pk).notes == "the edit"


def test_plaintext_left_in_a_column_is_reported_not_crashed_on(book, settings):
    booking = book("x")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE booking_booking SET notes = %s WHERE id = %s", ["clear é", booking.pk]
        )
    report = rotate_encrypted_text()
    assert report.undecryptable == {"booking.Booking": 1}


def test_command_reports_counts(book, settings, capsys):
    settings.TANDEM_MESSAGE_KEYS = [OLD]
    book("one")
    settings.TANDEM_MESSAGE_KEYS = [NEW, OLD]
    call_command("rotate_encrypted_text")
    out = capsys.readouterr().out
    assert "booking.Booking: 1 rows re-encrypted" in out
    assert "workspace search index" in out  # the workspace's receiver ran (the seam)
