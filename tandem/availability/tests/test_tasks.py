"""Refreshing the directory's next_available_at: the task, its enqueueing, and the sweep."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.availability import services, validation
from tandem.availability.tasks import refresh_next_available_task
from tandem.availability.validation import WeeklyInput
from tandem.coaches.models import CoachProfile

from .conftest import add_weekly, make_coach, make_type, utc

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def next_at(coach: CoachProfile):
    return CoachProfile.objects.get(pk=coach.pk).next_available_at


def every_day(coach: CoachProfile) -> list[WeeklyInput]:
    return [WeeklyInput(day, 0, 1440) for day in range(7)]


def replace(coach: CoachProfile, weekly: list[WeeklyInput]) -> None:
    services.availability_replace(
        coach=coach, weekly=weekly, overrides=[], time_off=[], daily_cap=None, weekly_cap=None
    )


def test_the_task_recomputes_next_available(coach, session_type):
    for day in range(7):
        add_weekly(coach, day, "00:00", "24:00")
    refresh_next_available_task.call([coach.pk])
    found = next_at(coach)
    assert found is not None
    assert timezone.now() <= found <= timezone.now() + timedelta(hours=1)


def test_running_the_task_twice_is_harmless(coach, session_type):
    for day in range(7):
        add_weekly(coach, day, "00:00", "24:00")
    refresh_next_available_task.call([coach.pk])
    first = next_at(coach)
    refresh_next_available_task.call([coach.pk, coach.pk])
    assert next_at(coach) == first


def test_a_rule_change_enqueues_the_task_on_commit_only(
    coach, session_type, django_capture_on_commit_callbacks
):
    # when rules change inside a transaction that has not committed yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        replace(coach, every_day(coach))
        # then nothing is queued yet
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    # and on commit the task is queued with the coach's id (the database backend)
    callbacks[0]()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "tandem.availability.tasks.refresh_next_available_task"
    assert queued.args_kwargs == {"args": [[coach.pk]], "kwargs": {}}
    assert next_at(coach) is None  # the worker has not run it


def test_a_refused_change_enqueues_nothing(coach, session_type, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(validation.InvalidAvailability),
    ):
        replace(coach, [WeeklyInput(0, 600, 500)])
    assert callbacks == []


def test_with_the_immediate_backend_the_value_is_fresh_after_commit(
    coach, session_type, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        replace(coach, every_day(coach))
        assert next_at(coach) is None  # not before commit
    assert next_at(coach) is not None
    # and closing every day clears it again
    with django_capture_on_commit_callbacks(execute=True):
        replace(coach, [])
    assert next_at(coach) is None


def test_the_sweep_refreshes_stale_listed_coaches_only(coach, session_type, bob, charlie):
    # given Alice stale, Bob's profile fresh (a future value the sweep must not touch), and
    # Charlie unlisted
    for day in range(7):
        add_weekly(coach, day, "00:00", "24:00")
    CoachProfile.objects.filter(pk=coach.pk).update(next_available_at=utc(2020, 1, 1))
    fresh = make_coach(bob, slug="bob", next_available_at=utc(2099, 1, 1))
    make_type(fresh)
    hidden = make_coach(charlie, slug="charlie", is_verified=False)
    make_type(hidden)
    # when
    out = io.StringIO()
    call_command("refresh_next_available", stdout=out)
    # then
    assert "1 coaches" in out.getvalue()
    assert timezone.now() <= next_at(coach) <= timezone.now() + timedelta(hours=1)
    assert next_at(fresh) == utc(2099, 1, 1)
    assert next_at(hidden) is None
    # and --all recomputes the fresh one too
    call_command("refresh_next_available", "--all", stdout=io.StringIO())
    assert next_at(fresh) is None  # Bob has no hours
