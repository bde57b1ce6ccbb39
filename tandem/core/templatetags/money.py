"""`{{ amount|money:currency }}`: core.money.format_money in a template ("1,250.00 EUR").

For templates that hold a Decimal (or its text, as the API writes it) and its currency side by
side; views that format in Python call `tandem.core.money.format_money` themselves. Writing
`{{ amount }} {{ currency }}` instead drops the digit grouping and the currency's own minor
digits ("1250.00 EUR", "12000.00 JPY").
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from tandem.core.money import format_money

register = template.Library()


@register.filter(is_safe=False)
def money(amount: Decimal | int | str | None, currency: str) -> str:
    """The amount written the one way; an empty or unreadable amount renders as nothing."""
    if amount is None or amount == "":
        return ""
    try:
        return format_money(Decimal(amount), currency)
    except (InvalidOperation, TypeError, ValueError):
        return ""
