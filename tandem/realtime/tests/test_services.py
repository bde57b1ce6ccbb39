"""Event streams: numbering, reading, resuming, retention."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.realtime import services
from tandem.realtime.models import Event, Stream
from tandem.realtime.tests.conftest import publish

pytestmark = pytest.mark.django_db


def test_each_user_has_own_numbers_from_one(bob, charlie):
    publish([bob.pk], 3)
    publish([bob.pk, charlie.pk], 1)
    assert list(Event.objects.filter(user=bob).order_by("seq").values_list("seq", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
    assert list(
        Event.objects.filter(user=charlie).order_by("seq").values_list("seq", flat=True)
    ) == [1]
    assert services.position(bob.pk) == 4 and services.position(charlie.pk) == 1


def test_a_rolled_back_change_leaves_no_event_and_no_gap(bob):
    publish([bob.pk], 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.send_event_on_commit([bob.pk], "test.tick", {"n": "lost"})
        raise RuntimeError("the change failed")
    publish([bob.pk], 1)
    assert list(Event.objects.filter(user=bob).order_by("seq").values_list("seq", flat=True)) == [
        1,
        2,
    ]


def test_connections_are_woken_only_after_the_commit(bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        services.send_event_on_commit([bob.pk], "test.tick", {})
    assert len(callbacks) == 1


def test_reading_resumes_in_order_in_pages(bob):
    publish([bob.pk], 7)
    page = services.events_after(bob.pk, 2, limit=3)
    assert [e["seq"] for e in page.events] == [3, 4, 5] and page.more and page.last_seq == 5
    page = services.events_after(bob.pk, 5, limit=3)
    assert [e["seq"] for e in page.events] == [6, 7] and not page.more
    assert page.events[0]["kind"] == "test.tick" and page.events[0]["data"] == {"n": 5}
    assert services.events_after(bob.pk, 7) == services.Page([], 7, False)
    assert services.events_after(bob.pk, None) == services.Page([], 7, False)


def test_a_point_never_given_or_pruned_needs_a_resync(bob):
    with pytest.raises(services.ResyncRequired):
        services.events_after(bob.pk, 1)  # nothing was ever sent
    publish([bob.pk], 4)
    Event.objects.filter(user=bob, seq__lte=2).update(created_at=timezone.now() - timedelta(days=8))
    assert services.prune_events() == 2
    assert Stream.objects.get(user=bob).floor_seq == 2
    with pytest.raises(services.ResyncRequired):
        services.events_after(bob.pk, 1)
    assert [e["seq"] for e in services.events_after(bob.pk, 2).events] == [3, 4]
    with pytest.raises(services.ResyncRequired):
        services.events_after(bob.pk, 5)


def test_bad_events_are_refused_before_anything_is_stored(bob):
    with pytest.raises(ValueError):
        services.send_event_on_commit([bob.pk], "", {})
    with pytest.raises(ValueError):
        services.send_event_on_commit([bob.pk], "test.big", {"text": "x" * 20_000})
    assert not Event.objects.exists()


def test_prune_command_reports_what_it_deleted(bob, capsys):
    from django.core.management import call_command

    publish([bob.pk], 2)
    Event.objects.filter(seq=1).update(created_at=timezone.now() - timedelta(days=30))
    call_command("prune_events")
    assert "events deleted: 1" in capsys.readouterr().out
    assert list(Event.objects.values_list("seq", flat=True)) == [2]
