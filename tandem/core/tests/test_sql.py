"""Hand-written statements read and write rows exactly as the ORM does, on both backends."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

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


@task()
def noop_task(value: int) -> None:
    """A task for the backend test (never run)."""


def test_the_task_backend_stores_the_same_rows_and_sends_the_signal():
    seen = []

    def on_enqueued(sender, task_result, **kwargs):
        seen.append(task_result.id)

    task_enqueued.connect(on_enqueued)
    try:
        now_result = noop_task.enqueue(1)
        later = datetime(2030, 1, 1, tzinfo=UTC)
        later_result = noop_task.using(run_after=later).enqueue(2)
    finally:
        task_enqueued.disconnect(on_enqueued)
    assert seen == [now_result.id, later_result.id]
    now_row = DBTaskResult.objects.get(id=now_result.id)
    assert now_row.run_after == get_date_max()  # what the package's pre_save receiver sets
    assert now_row.args_kwargs == {"args": [1], "kwargs": {}}
    assert now_row.status == "READY" and now_row.task_path.endswith("noop_task")
    assert DBTaskResult.objects.get(id=later_result.id).run_after == later
    # The worker's claim query finds the due one only.
    assert list(DBTaskResult.objects.ready().values_list("id", flat=True)) == [now_row.id]
