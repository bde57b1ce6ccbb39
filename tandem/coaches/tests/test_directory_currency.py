"""Prices are filtered and sorted in ONE chosen currency, never compared across currencies.

Demo-like coaches: Alice EUR 45, Marcus USD 45, Priya INR 3,500, Hana JPY 6,000 and
Kenji JPY 9,000. Before, `price_min=40&price_max=50` compared the bare numbers of every
currency (and found nobody on the demo); a JPY order put INR numbers between the yen ones.
"""

import itertools

import pytest
from django.test import Client

from conftest import make_user
from tandem.accounts.tests.test_api import assert_error
from tandem.coaches.models import CoachProfile
from tandem.coaches.selectors import coach_directory
from tandem.coaches.tests.conftest import make_coach
from tandem.core.errors import InvalidInput

_emails = itertools.count()


def coach(name: str, price: str, currency: str) -> CoachProfile:
    # Like the demo: a free intro call beside the paid sessions. The price filter looks at
    # the cheapest PAID session, as the card's "From 45.00 EUR · free session available".
    user = make_user(f"cur{next(_emails)}@example.com", name=name)
    return make_coach(user, headline="Coach", prices=("0", price), currency=currency)


@pytest.fixture
def world(lists) -> dict[str, CoachProfile]:
    return {
        "alice": coach("Alice Adler", "45", "EUR"),
        "marcus": coach("Marcus Webb", "45", "USD"),
        "priya": coach("Priya Nair", "3500", "INR"),
        "hana": coach("Hana Sato", "6000", "JPY"),
        "kenji": coach("Kenji Mori", "9000", "JPY"),
    }


def slugs(**query: object) -> list[str]:
    return [c.slug for c in coach_directory(limit=50, **query).items]  # type: ignore[arg-type]


def test_a_price_range_finds_the_coaches_who_charge_it_in_that_currency(world):
    assert slugs(price_min="40", price_max="50", currency="EUR") == ["alice-adler"]
    assert slugs(price_min="40", price_max="50", currency="USD") == ["marcus-webb"]
    assert slugs(price_min="40", price_max="50", currency="INR") == []
    assert slugs(price_min="5000", currency="JPY", sort="price") == ["hana-sato", "kenji-mori"]
    # without a price filter the currency filters nobody out
    assert len(slugs(currency="EUR")) == 5


def test_a_free_intro_call_does_not_make_a_coach_cost_nothing(world):
    assert world["alice"].min_price == 45
    only_free = coach("Frida Free", "0", "EUR")
    assert only_free.min_price == 0
    assert slugs(price_max="0", currency="EUR") == ["frida-free"]


def test_the_price_order_keeps_other_currencies_after_the_chosen_one(world):
    order = slugs(sort="price", currency="JPY")
    assert order[:2] == ["hana-sato", "kenji-mori"]
    assert set(order[2:]) == {"alice-adler", "marcus-webb", "priya-nair"}
    order = slugs(sort="price", currency="INR")
    assert order[0] == "priya-nair"


def test_price_filters_and_the_price_sort_need_a_currency(world):
    for query in ({"price_min": "40"}, {"price_max": "50"}, {"sort": "price"}):
        with pytest.raises(InvalidInput) as refused:
            coach_directory(**query)
        assert refused.value.code == "currency_required"
        assert "currency" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        coach_directory(price_min="40", currency="XYZ")
    assert "currency" in refused.value.fields


def test_a_price_cursor_is_bound_to_its_currency(world):
    cursor = coach_directory(sort="price", currency="JPY", limit=1).next_cursor
    assert cursor
    with pytest.raises(InvalidInput) as refused:
        coach_directory(sort="price", currency="EUR", cursor=cursor)
    assert "cursor" in refused.value.fields
    # followed in its own currency, the pages neither repeat nor skip
    seen, cursor_ = [], None
    for _ in range(10):
        page = coach_directory(sort="price", currency="JPY", limit=2, cursor=cursor_)
        seen += [c.slug for c in page.items]
        cursor_ = page.next_cursor
        if cursor_ is None:
            break
    assert seen[:2] == ["hana-sato", "kenji-mori"] and len(seen) == len(set(seen)) == 5


def test_min_price_ignores_a_session_type_in_another_currency(world):
    # A row that slipped past the services (priced in USD for a EUR coach) never becomes
    # Alice's EUR price.
    from tandem.coaches import services
    from tandem.coaches.models import SessionType

    alice = world["alice"]
    SessionType.objects.create(
        coach=alice, name="Odd", duration_minutes=30, price="1", currency="USD"
    )
    services.refresh_min_price([alice.pk])
    assert str(CoachProfile.objects.get(pk=alice.pk).min_price) == "45.00"


# --- The API ------------------------------------------------------------------------------------


def api_slugs(query: str) -> list[str]:
    response = Client().get(f"/api/v1/coaches?{query}")
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["items"]]


def test_the_api_filters_in_the_given_currency(world):
    assert api_slugs("price_min=40&price_max=50&currency=EUR") == ["alice-adler"]
    assert api_slugs("price_min=40&price_max=50&currency=usd") == ["marcus-webb"]
    order = api_slugs("sort=price&currency=JPY")
    assert order[:2] == ["hana-sato", "kenji-mori"]


@pytest.mark.parametrize(
    "query", ["price_min=40", "price_max=50", "price_min=40&price_max=50", "sort=price"]
)
def test_the_api_refuses_a_price_filter_without_a_currency(world, query):
    error = assert_error(Client().get(f"/api/v1/coaches?{query}"), 400, "currency_required")
    assert "currency" in error["fields"]


def test_the_api_refuses_an_unknown_currency(world):
    error = assert_error(Client().get("/api/v1/coaches?price_min=1&currency=XYZ"), 400)
    assert "currency" in error["fields"]


# --- The page -----------------------------------------------------------------------------------


def names_on(response) -> set[str]:
    html = response.content.decode()
    return {n for n in ("Alice Adler", "Marcus Webb", "Priya Nair", "Hana Sato") if n in html}


def test_the_page_filters_in_the_chosen_currency_and_says_so(world):
    response = Client().get("/coaches/?price_min=40&price_max=50&currency=USD")
    assert response.status_code == 200
    assert names_on(response) == {"Marcus Webb"}
    html = response.content.decode()
    assert "Prices in <strong>USD</strong>" in html
    assert '<option value="USD" selected>' in html


def test_the_page_compares_in_eur_by_default_and_remembers_a_choice(world):
    client = Client()
    response = client.get("/coaches/?price_min=40&price_max=50")
    assert names_on(response) == {"Alice Adler"}
    assert "Prices in <strong>EUR</strong>" in response.content.decode()
    # choosing USD once makes it the default of the next visit
    response = client.get("/coaches/?currency=USD")
    assert response.cookies["tandem_currency"].value == "USD"
    response = client.get("/coaches/?price_min=40&price_max=50")
    assert names_on(response) == {"Marcus Webb"}
    # a cookie with nonsense in it falls back to EUR
    client.cookies["tandem_currency"] = "<b>"
    assert names_on(client.get("/coaches/?price_min=40&price_max=50")) == {"Alice Adler"}


def test_the_page_refuses_an_unknown_currency(world):
    response = Client().get("/coaches/?price_min=40&currency=XYZ")
    assert response.status_code == 400
    assert "Choose a currency from the list." in response.content.decode()
    assert "tandem_currency" not in response.cookies
