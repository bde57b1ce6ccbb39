"""Money rules shared by services: supported currencies and how a price may be written.

Amounts are `Decimal`s with an ISO 4217 currency, never floats. Prices are stored with two
decimal places (DecimalField(max_digits=10, decimal_places=2)).
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidInput

# The currencies coaches may charge in. Each has two minor-unit digits in practice for our
# prices (JPY has none: a JPY price must be whole, which validate_price checks).
SUPPORTED_CURRENCIES: dict[str, str] = {
    "EUR": "Euro",
    "USD": "US dollar",
    "GBP": "Pound sterling",
    "CHF": "Swiss franc",
    "CAD": "Canadian dollar",
    "AUD": "Australian dollar",
    "NZD": "New Zealand dollar",
    "INR": "Indian rupee",
    "SGD": "Singapore dollar",
    "JPY": "Japanese yen",
    "SEK": "Swedish krona",
    "NOK": "Norwegian krone",
    "DKK": "Danish krone",
}

# ISO 4217 minor units for the supported currencies (2 unless listed).
MINOR_UNITS: dict[str, int] = {"JPY": 0}

# DecimalField(max_digits=10, decimal_places=2): at most 8 digits before the point.
MAX_PRICE = Decimal("99999999.99")


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def format_money(amount: Decimal, currency: str) -> str:
    """The one way money is written: "1,250.00 EUR", "12,000 JPY", "-16.20 EUR".

    The amount with grouped digits and the currency's own minor digits, then the ISO code;
    used by every page, email, PDF and API text (payments.ledger.money.format_minor calls it
    for the ledger's integer minor units).
    """
    return f"{Decimal(amount):,.{minor_units(currency)}f} {currency}"


def validate_currency(code: Any, *, field: str = "currency") -> str:
    if not isinstance(code, str) or "\x00" in code:
        raise InvalidInput("Unsupported currency.", fields={field: ["Choose a currency code."]})
    normalised = code.strip().upper()
    if normalised not in SUPPORTED_CURRENCIES:
        supported = ", ".join(SUPPORTED_CURRENCIES)
        raise InvalidInput(
            "Unsupported currency.",
            fields={field: [f"'{code[:8]}' is not supported. Choose one of {supported}."]},
        )
    return normalised


def validate_price(value: Any, *, currency: str, field: str = "price") -> Decimal:
    """A non-negative amount with at most the currency's minor-unit digits (two at most)."""

    def refuse(message: str) -> InvalidInput:
        return InvalidInput(message, fields={field: [message]})

    if isinstance(value, bool) or value is None:
        raise refuse("Enter a price, such as 80 or 79.50.")
    if isinstance(value, float):
        # A JSON number arrives as float in some callers; its repr is the shortest exact
        # spelling of what the client wrote ("79.5"), never a binary artefact.
        value = repr(value)
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise refuse("Enter a price, such as 80 or 79.50.") from exc
    if not amount.is_finite():
        raise refuse("Enter a price, such as 80 or 79.50.")
    if amount < 0:
        raise refuse("A price cannot be negative.")
    if amount > MAX_PRICE:
        raise refuse(f"A price can be at most {MAX_PRICE}.")
    digits = minor_units(currency)
    exponent = amount.as_tuple().exponent
    # Trailing zeros are fine ("80.500" is 80.50); real extra digits are not.
    if (
        isinstance(exponent, int)
        and exponent < -digits
        and amount != amount.quantize(Decimal(1).scaleb(-digits))
    ):
        raise refuse(f"Use at most {digits} decimal places for {currency}.")
    return amount.quantize(Decimal("0.01"))
