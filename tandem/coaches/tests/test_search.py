"""The coach directory: text search, filters, sorts and keyset pagination.

Every expectation here is written once and holds on SQLite (icontains + weighted score) and
on PostgreSQL (full-text search + ts_rank): the data uses plain whole words, on which the
two agree.
"""

import dataclasses
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_user
from tandem.accounts.tests.test_api import assert_error
from tandem.coaches import availability_hook, selectors, services
from tandem.coaches.models import CoachProfile
from tandem.coaches.tests.conftest import make_coach
from tandem.core.cursors import encode_cursor
from tandem.core.errors import InvalidInput

NOW = timezone.now().replace(microsecond=0)
ZERO = "0" * 32
_emails = itertools.count()


def coach(name: str, *, available_in_days: float | None = None, **kwargs) -> CoachProfile:
    user = make_user(f"coach{next(_emails)}@example.com", name=name)
    profile = make_coach(user, **kwargs)
    if available_in_days is not None:
        CoachProfile.objects.filter(pk=profile.pk).update(
            next_available_at=NOW + timedelta(days=available_in_days)
        )
    profile.refresh_from_db()
    return profile


def coach_directory(**kwargs: object) -> selectors.DirectoryPage:
    """The selector, comparing prices in EUR (what these coaches charge unless said)."""
    if kwargs.get("sort") == "price" or {"price_min", "price_max"} & kwargs.keys():
        kwargs.setdefault("currency", "EUR")
    return selectors.coach_directory(**kwargs)  # type: ignore[arg-type]


def slugs(page: selectors.DirectoryPage) -> list[str]:
    return [c.slug for c in page.items]


def everything(sort: str, *, limit: int, **filters: object) -> list[str]:
    """Follow next_cursor to the end; every page at most `limit` long."""
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        page = coach_directory(sort=sort, cursor=cursor, limit=limit, **filters)
        assert len(page.items) <= limit
        seen += slugs(page)
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


@pytest.fixture
def practice(lists) -> dict[str, CoachProfile]:
    return {
        "anna": coach(
            "Anna Berg",
            headline="Leadership coach for engineers",
            specialties=("leadership",),
            languages=("en", "de"),
            bio="Sailing at weekends.",
            prices=("120", "90"),
            available_in_days=1,
        ),
        "carl": coach(
            "Carl Diaz",
            headline="Career coach",
            specialties=("career",),
            languages=("es", "en"),
            bio="I read leadership books.",
            prices=("60",),
            available_in_days=3,
        ),
        "ella": coach(
            "Ella Fox",
            headline="Mindfulness teacher",
            specialties=("leadership", "mindfulness"),
            languages=("fr",),
            prices=("75",),
            available_in_days=10,
        ),
        "gina": coach(
            "Gina Hart",
            headline="Parenting coach",
            specialties=("parenting",),
            languages=("en",),
            bio="Calm mornings.",
            prices=("40",),
            currency="USD",
        ),
    }


# --- Text search -------------------------------------------------------------------------------


def test_relevance_ranks_name_and_headline_above_specialty_above_bio(practice):
    assert slugs(coach_directory(text="leadership")) == ["anna-berg", "ella-fox", "carl-diaz"]
    assert slugs(coach_directory(text="LEADERSHIP", sort="relevance")) == [
        "anna-berg",
        "ella-fox",
        "carl-diaz",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("leadership engineers", {"anna-berg"}),
        ("sailing", {"anna-berg"}),
        ("berg", {"anna-berg"}),
        ("coach", {"anna-berg", "carl-diaz", "gina-hart"}),
        ("mindfulness", {"ella-fox"}),
        ("parenting calm", {"gina-hart"}),
        ("parenting sailing", set()),
        ("astrology", set()),
        ("  ", {"anna-berg", "carl-diaz", "ella-fox", "gina-hart"}),
        ("leadership!!! & | ( ) : * '", {"anna-berg", "carl-diaz", "ella-fox"}),
    ],
)
def test_every_word_must_match(practice, text, expected):
    assert set(slugs(coach_directory(text=text))) == expected


def test_unlisted_coaches_are_never_found(practice):
    services.coach_profile_update(coach=practice["anna"], is_active=False)
    assert "anna-berg" not in slugs(coach_directory(text="leadership"))
    assert "anna-berg" not in everything("price", limit=2)


# --- Filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"specialty": "career"}, ["carl-diaz"]),
        ({"specialty": "leadership"}, ["ella-fox", "anna-berg"]),
        ({"specialty": "astrology"}, []),
        ({"language": "en"}, ["carl-diaz", "anna-berg", "gina-hart"]),
        ({"language": "fr"}, ["ella-fox"]),
        ({"language": "en", "specialty": "leadership"}, ["anna-berg"]),
        ({"price_min": Decimal("70")}, ["ella-fox", "anna-berg"]),
        ({"price_max": "75"}, ["carl-diaz", "ella-fox"]),
        ({"price_min": "60", "price_max": "60"}, ["carl-diaz"]),
        ({"price_min": "1000"}, []),
    ],
)
def test_filters(practice, filters, expected):
    assert slugs(coach_directory(sort="price", **filters)) == expected


def test_text_and_filters_combine(practice):
    page = coach_directory(text="leadership", specialty="leadership", price_max="80")
    assert slugs(page) == ["ella-fox"]


# --- Sorts -------------------------------------------------------------------------------------


def test_sort_by_price_cheapest_first_coaches_without_a_price_last(practice):
    # Anna's cheapest session is 90 (her min_price); Gina charges USD: no price in EUR.
    assert slugs(coach_directory(sort="price")) == [
        "carl-diaz",
        "ella-fox",
        "anna-berg",
        "gina-hart",
    ]


def test_sort_by_next_available_soonest_first(practice):
    expected = ["anna-berg", "carl-diaz", "ella-fox", "gina-hart"]
    assert slugs(coach_directory(sort="next_available")) == expected
    # relevance without text is the next_available order
    assert slugs(coach_directory()) == expected


# --- Available between -----------------------------------------------------------------------


def with_availability(monkeypatch, **functions):
    """Availability's registered functions (coaches' hook), with some replaced."""
    provider = availability_hook.provider()
    assert provider is not None
    monkeypatch.setattr(availability_hook, "_provider", dataclasses.replace(provider, **functions))


def test_available_between_uses_next_available_and_asks_the_engine_for_earlier_ones(
    practice, monkeypatch
):
    asked: list[list[str]] = []

    def has_slot_between(coaches, start, end, *, now):
        asked.append([c.slug for c in coaches])
        return {c.pk: c.slug == "anna-berg" for c in coaches}

    with_availability(monkeypatch, has_slot_between=has_slot_between)
    window = {"available_from": NOW + timedelta(days=2), "available_to": NOW + timedelta(days=5)}
    # Carl's next slot is in the window; Anna's is earlier, and the engine says she has one
    # in the window too; Ella's is after it; Gina has none.
    assert slugs(coach_directory(sort="price", now=NOW, **window)) == ["carl-diaz", "anna-berg"]
    assert asked == [["anna-berg"]]


def test_available_between_without_the_engine_helper_keeps_only_certain_ones(practice, monkeypatch):
    monkeypatch.setattr(availability_hook, "_provider", None)
    window = {"available_from": NOW + timedelta(days=2), "available_to": NOW + timedelta(days=5)}
    assert slugs(coach_directory(sort="price", now=NOW, **window)) == ["carl-diaz"]


def test_available_until_only(practice, monkeypatch):
    monkeypatch.setattr(availability_hook, "_provider", None)
    page = coach_directory(sort="next_available", now=NOW, available_to=NOW + timedelta(days=4))
    assert slugs(page) == ["anna-berg", "carl-diaz"]


def test_a_window_in_the_past_finds_no_one(practice):
    page = coach_directory(
        now=NOW, available_from=NOW - timedelta(days=9), available_to=NOW - timedelta(days=8)
    )
    assert page.items == [] and page.next_cursor is None


def test_pages_skip_rows_the_engine_rejects_without_losing_any(lists, monkeypatch):
    # twelve coaches free before the window; the engine accepts every third
    made = [coach(f"Early {n:02d}", prices=("50",), available_in_days=0.5) for n in range(12)]
    accepted = {c.pk for c in made[::3]}
    with_availability(
        monkeypatch,
        has_slot_between=lambda coaches, start, end, *, now: {
            c.pk: c.pk in accepted for c in coaches
        },
    )
    window = {"available_from": NOW + timedelta(days=2), "available_to": NOW + timedelta(days=3)}
    got = everything("price", limit=2, now=NOW, **window)
    assert sorted(got) == sorted(c.slug for c in made[::3])
    assert len(got) == len(set(got))


# --- Pagination -------------------------------------------------------------------------------


@pytest.fixture
def crowd(lists) -> list[CoachProfile]:
    """23 coaches with many ties: equal prices, equal next slots, no EUR price, no slot."""
    made = []
    for n in range(23):
        usd = n % 5 == 0  # no price in EUR: last in the EUR price order
        made.append(
            coach(
                f"Coach Number {n:02d}",
                headline="Leadership coach",
                prices=("45",) if usd else (str(40 + (n % 4) * 10),),
                currency="USD" if usd else "EUR",
                available_in_days=None if n % 6 == 0 else (n % 3) + 1,
            )
        )
    return made


@pytest.mark.parametrize("sort", ["relevance", "price", "next_available"])
@pytest.mark.parametrize("limit", [1, 4, 7, 50])
def test_pages_neither_repeat_nor_skip(crowd, sort, limit):
    text = "leadership" if sort == "relevance" else ""
    paged = everything(sort, limit=limit, text=text)
    assert len(paged) == len(set(paged)) == 23
    assert paged == slugs(coach_directory(sort=sort, text=text, limit=50))


def test_pagination_is_stable_while_coaches_change(crowd):
    first = coach_directory(sort="price", limit=5)
    # a new coach cheaper than the whole first page appears, and one on page one leaves
    coach("Newcomer", headline="Leadership coach", prices=("1",))
    services.coach_profile_update(coach=first.items[0], is_active=False)
    seen = slugs(first)
    cursor = first.next_cursor
    while cursor:
        page = coach_directory(sort="price", limit=5, cursor=cursor)
        seen += slugs(page)
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 23  # nobody twice, nobody missed, no newcomer
    assert "newcomer" not in seen


def test_a_cursor_is_bound_to_its_sort(crowd):
    cursor = coach_directory(sort="price", limit=2).next_cursor
    with pytest.raises(InvalidInput) as refused:
        coach_directory(sort="next_available", cursor=cursor)
    assert "cursor" in refused.value.fields


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("price", "garbage!"),
        ("price", "x" * 600),
        ("price", encode_cursor({})),
        ("price", encode_cursor({"s": "price:EUR", "k": "NaN", "id": ZERO})),
        ("price", encode_cursor({"s": "price:EUR", "k": "Infinity", "id": ZERO})),
        ("price", encode_cursor({"s": "price:EUR", "k": [1], "id": ZERO})),
        ("price", encode_cursor({"s": "price:EUR", "k": "10", "id": "1"})),
        ("price", encode_cursor({"s": "price:EUR", "k": "10", "id": ZERO, "extra": 1})),
        ("price", encode_cursor({"s": "price:EUR", "k": "1" * 100, "id": ZERO})),
        ("next_available", encode_cursor({"s": "next_available", "k": "2030-01-01", "id": 7})),
        (
            "next_available",
            encode_cursor({"s": "next_available", "k": "2030-01-01T00:00:00", "id": ZERO}),
        ),
        ("next_available", encode_cursor({"s": "next_available", "k": "tomorrow", "id": ZERO})),
        ("relevance", encode_cursor({"s": "relevance", "k": True, "id": ZERO})),
        ("relevance", encode_cursor({"s": "relevance", "k": "1", "id": ZERO})),
    ],
)
def test_tampered_cursors_are_refused(crowd, sort, cursor):
    text = "leadership" if sort == "relevance" else ""
    with pytest.raises(InvalidInput) as refused:
        coach_directory(sort=sort, text=text, cursor=cursor)
    assert "cursor" in refused.value.fields


def test_the_api_pages_with_next_cursor(crowd):
    seen: list[str] = []
    cursor = None
    for _ in range(10):  # 23 coaches, 6 a page: 4 pages
        query = "q=leadership&limit=6" + (f"&cursor={cursor}" if cursor else "")
        body = Client().get(f"/api/v1/coaches?{query}").json()
        seen += [item["slug"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert len(seen) == len(set(seen)) == 23


def test_the_api_refuses_a_cursor_from_another_sort(crowd):
    cursor = Client().get("/api/v1/coaches?sort=price&currency=EUR&limit=2").json()["next_cursor"]
    assert_error(Client().get(f"/api/v1/coaches?sort=next_available&cursor={cursor}"), 400)


@pytest.mark.parametrize(
    "query",
    ["q=leadership", "sort=price&currency=EUR&specialty=leadership&language=en&price_max=100"],
)
def test_searching_costs_the_same_for_5_or_20_coaches(lists, query):
    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = Client().get(f"/api/v1/coaches?limit=50&{query}")
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["items"])

    def add(n: int) -> None:
        coach(
            f"Coach {n}",
            headline="Leadership coach",
            specialties=("leadership",),
            languages=("en",),
            prices=("50",),
        )

    for n in range(5):
        add(n)
    queries, shown = count()
    assert shown == 5
    for n in range(5, 20):
        add(n)
    assert count() == (queries, 20)
