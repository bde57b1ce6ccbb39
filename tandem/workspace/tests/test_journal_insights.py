"""Insight maths with an injected now, in a DST-observing zone; the coach's insights count
only entries shared with their engagement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tandem.workspace.selectors import journal as selectors
from tandem.workspace.selectors.journal_insights import compute, period_of, streaks
from tandem.workspace.services import journal as services

from .journal_support import *  # noqa: F403
from .journal_support import write

NEW_YORK = ZoneInfo("America/New_York")


def local(y: int, m: int, d: int, h: int = 12, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=NEW_YORK).astimezone(UTC)


def test_streaks_current_and_longest():
    days = [date(2030, 3, d) for d in (1, 2, 3, 5, 6, 7, 8, 10, 11)]
    assert streaks(days, today=date(2030, 3, 11)) == (2, 4)
    # Today not written yet: yesterday's run still counts.
    assert streaks(days, today=date(2030, 3, 12)) == (2, 4)
    # Two days without: the current streak is over.
    assert streaks(days, today=date(2030, 3, 13)) == (0, 4)
    assert streaks([], today=date(2030, 3, 13)) == (0, 0)


def test_days_are_local_days_across_the_spring_forward():
    # New York springs forward on Sunday 10 March 2030 (02:00 -> 03:00).
    written = [
        local(2030, 3, 9, 23, 30),  # 04:30 UTC on the 10th: still the 9th in New York
        local(2030, 3, 10, 0, 15),
        local(2030, 3, 10, 3, 30),  # just after the gap
        local(2030, 3, 11, 23, 59),
    ]
    rows = [(w, mood, ["sleep"]) for w, mood in zip(written, [2, 4, 5, None], strict=True)]
    now = local(2030, 3, 12, 8)
    result = compute(period_rows=rows, all_written=written, zone=NEW_YORK, now=now, days=30)
    assert result.today == date(2030, 3, 12)
    assert result.first_day == date(2030, 2, 11)
    assert [(m.day, m.average, m.count) for m in result.mood] == [
        (date(2030, 3, 9), 2.0, 1),
        (date(2030, 3, 10), 4.5, 2),
    ]
    assert result.mood_average == pytest.approx(3.67)
    assert (result.current_streak, result.longest_streak) == (3, 3)
    assert result.tags == [("sleep", 4)]
    assert result.entries == 4
    # Weeks start on Monday: 4 March holds the 9th and 10th, 11 March the 11th.
    counts = {w.monday: w.count for w in result.weeks}
    assert counts[date(2030, 3, 4)] == 3
    assert counts[date(2030, 3, 11)] == 1
    assert result.weeks[0].monday == date(2030, 2, 11)
    assert sum(counts.values()) == 4


def test_the_period_keeps_only_its_local_days():
    now = local(2030, 3, 12, 8)
    rows = [
        (local(2030, 2, 10, 23), 1, ["old"]),  # the day before the first day
        (local(2030, 2, 11, 0, 5), 3, ["in"]),
        (now + timedelta(days=2), 5, ["future"]),
    ]
    result = compute(
        period_rows=rows, all_written=[r[0] for r in rows], zone=NEW_YORK, now=now, days=30
    )
    assert result.entries == 1
    assert result.tags == [("in", 1)]
    assert result.current_streak == 0


def test_tags_most_used_first_ties_alphabetical_top_ten():
    now = datetime(2030, 3, 12, 12, tzinfo=UTC)
    rows = [(now, None, [f"t{i:02d}" for i in range(12)]), (now, None, ["t05", "t11"])]
    result = compute(period_rows=rows, all_written=[now], zone=ZoneInfo("UTC"), now=now, days=30)
    assert result.tags[:2] == [("t05", 2), ("t11", 2)]
    assert len(result.tags) == 10
    assert result.tags[2] == ("t00", 1)


def test_period_values():
    assert [period_of(v) for v in ("30", 90, "365", "7", "x", None)] == [30, 90, 365, 30, 30, 30]


@pytest.mark.django_db
def test_coach_insights_are_only_over_shared_entries(alice, bob, engagement, dora_engagement):
    now = local(2030, 3, 20)
    shared = write(bob, "shared", mood=5, tags=["work"], now=local(2030, 3, 19))
    write(bob, "private", mood=1, tags=["secret-tag"], now=local(2030, 3, 18))
    for_dora = write(bob, "for dora", mood=2, tags=["dora-only"], now=local(2030, 3, 17))
    services.entry_share(author=bob, entry_id=shared.public_id, engagement_id=engagement.public_id)
    services.entry_share(
        author=bob, entry_id=for_dora.public_id, engagement_id=dora_engagement.public_id
    )

    mine = selectors.insights_for_author(bob, now=now, days=30)
    assert mine.entries == 3
    assert {t for t, _ in mine.tags} == {"work", "secret-tag", "dora-only"}
    assert mine.longest_streak == 3

    coach = selectors.insights_for_engagement(engagement, now=now, days=30)
    assert coach.entries == 1
    assert coach.tags == [("work", 1)]
    assert coach.mood_average == 5.0
    assert (coach.current_streak, coach.longest_streak) == (1, 1)
    assert coach.zone == "America/New_York"  # the client's days
