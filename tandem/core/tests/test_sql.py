"""Hand-written statements read and write rows exactly as the ORM does, on both backends."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import signals
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import make_user
from tandem.accounts.models import ApiToken, User
from tandem.core import sql

pytestmark = pytest.mark.django_db

ORM_FIELDS = [f.attname for f in User._meta.concrete_fields]


def test_a_row_read_by_hand_equals_the_orm_instance():
    bob = make_user("bob@example.com", name="Bob Brown", zone="America/New_York")
    reader = sql.ModelReader(User, "u")
    rows = sql.fetch(
        f"SELECT {sql.columns(User, 'u')} FROM accounts_user u WHERE u.id = %s", [bob.pk]
    )
    by_hand = reader.build(rows[0])
    from_orm = User.objects.get(pk=bob.pk)
    assert [getattr(by_hand, n) for n in ORM_FIELDS] == [getattr(from_orm, n) for n in ORM_FIELDS]
    assert isinstance(by_hand.public_id, uuid.UUID)
    assert by_hand.date_joined.tzinfo is not None
    assert not by_hand._state.adding and by_hand._state.db == "default"


def test_insert_sets_the_key_and_stores_every_field_as_save_would():
    bob = make_user("bob@example.com", name="Bob Brown")
    used = datetime(2027, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    token = ApiToken(user=bob, name="calendar", hint="tdm_abcd", digest="d" * 64, last_used_at=used)
    sql.insert(token)
    assert token.pk is not None and not token._state.adding
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.public_id == token.public_id  # the field's default, made in __init__
    assert stored.last_used_at == used
    assert stored.user_id == bob.pk and stored.revoked_at is None
    assert abs(stored.created_at - timezone.now()) < timedelta(minutes=1)


def test_parameters_are_bound_as_the_orm_binds_them():
    bob = make_user("bob@example.com", name="Bob Brown")
    public_id = sql.param(User, "public_id", bob.public_id)  # hex text on SQLite
    rows = sql.fetch("SELECT id FROM accounts_user WHERE public_id = %s", [public_id])
    assert rows == [(bob.pk,)]
    since = sql.instant(bob.date_joined - timedelta(seconds=1))
    assert sql.fetch("SELECT count(*) FROM accounts_user WHERE date_joined > %s", [since]) == [(1,)]


def test_instants_read_by_hand_are_aware_utc():
    aware = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert sql.read_instant("2027-01-02 03:04:05") == aware
    assert sql.read_instant(datetime(2027, 1, 2, 3, 4, 5)) == aware
    assert sql.read_instant(aware) == aware
    assert sql.read_day("2027-01-02").isoformat() == "2027-01-02"


# --- sql.insert skips model signals, so it refuses models that have receivers -------------

LIFECYCLE = {
    "pre_init": signals.pre_init,
    "post_init": signals.post_init,
    "pre_save": signals.pre_save,
    "post_save": signals.post_save,
}


@pytest.mark.parametrize("name", sorted(LIFECYCLE))
def test_a_model_that_gains_a_receiver_is_refused_by_insert(name):
    bob = make_user("bob@example.com", name="Bob Brown")

    def receiver(**kwargs):
        pass

    token = ApiToken(user=bob, name="calendar", hint="tdm_abcd", digest="d" * 64)
    LIFECYCLE[name].connect(receiver, sender=ApiToken, weak=False)
    try:
        with pytest.raises(ImproperlyConfigured, match=f"accounts.ApiToken has {name}"):
            sql.insert(token)
    finally:
        LIFECYCLE[name].disconnect(receiver, sender=ApiToken)
    assert not ApiToken.objects.exists()


def test_a_model_with_a_packages_receiver_is_refused():
    # django-tasks-db fills run_after in a pre_save receiver: an INSERT by hand would skip it.
    with pytest.raises(ImproperlyConfigured, match="pre_save"):
        sql.insert(DBTaskResult(task_path="x.y", args_kwargs={}, backend_name="default"))


def test_every_model_a_booking_writes_by_hand_has_no_receiver(alice, bob):
    """The real writers: a booking, its history event and its idempotency record go through
    sql.insert and pass its check."""
    from tandem.booking import services
    from tandem.booking.tests.conftest import at, make_coach, make_type

    coach = make_coach(alice, slug="alice")
    session_type = make_type(coach)
    services.booking_create(
        client=bob,
        request=services.BookingRequest(coach=coach, session_type=session_type, start=at(3, 10)),
        idempotency_key="sql-test-key",
    )
    written = {model._meta.label for model in sql.written_models()}
    assert {
        "booking.Booking",
        "booking.BookingEvent",
        "booking.IdempotencyRecord",
    } <= written
    for model in sql.written_models():
        for name, signal in LIFECYCLE.items():
            assert not signal.has_listeners(model), f"{model._meta.label} has a {name} receiver"
