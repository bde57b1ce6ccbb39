"""Money is written one way: core.money.format_money, from Python and from templates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from tandem.core.money import format_money
from tandem.payments.ledger.money import format_minor


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        (Decimal("120"), "EUR", "120.00 EUR"),
        (Decimal("80.5"), "EUR", "80.50 EUR"),
        (Decimal("1250"), "USD", "1,250.00 USD"),
        (Decimal("-16.20"), "EUR", "-16.20 EUR"),
        (Decimal("12000"), "JPY", "12,000 JPY"),
        (Decimal("0"), "GBP", "0.00 GBP"),
    ],
)
def test_format_money(amount: Decimal, currency: str, written: str) -> None:
    assert format_money(amount, currency) == written


@pytest.mark.parametrize(
    ("minor", "currency", "written"),
    [(8050, "EUR", "80.50 EUR"), (125000, "USD", "1,250.00 USD"), (12000, "JPY", "12,000 JPY")],
)
def test_the_ledger_s_minor_units_are_written_by_the_same_rule(
    minor: int, currency: str, written: str
) -> None:
    assert format_minor(minor, currency) == written


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        (Decimal("1250.00"), "EUR", "1,250.00 EUR"),
        ("80.50", "EUR", "80.50 EUR"),  # the API's text for an amount
        (Decimal("12000.00"), "JPY", "12,000 JPY"),
        (None, "EUR", ""),
        ("", "EUR", ""),
        ("not money", "EUR", ""),
    ],
)
def test_the_template_filter_writes_what_format_money_writes(
    amount: object, currency: str, written: str
) -> None:
    rendered = Template("{% load money %}{{ amount|money:currency }}").render(
        Context({"amount": amount, "currency": currency})
    )
    assert rendered == written
