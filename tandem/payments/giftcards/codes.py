"""Gift card codes: making, writing, checking and finding them. No query but `find_card`'s.

16 random symbols of Crockford's base32 alphabet (0-9 and A-Z without I, L, O, U: 80 bits)
plus one check symbol computed with Crockford's mod-37 rule: the 16 symbols read as one
base-32 number, modulo 37, picked from "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U". Because 37 is
a prime larger than 32, every single-symbol substitution and every transposition of two
adjacent symbols (the check symbol included) changes the remainder, so a typo is caught
before any database lookup. We only issue codes whose check symbol is one of the 32 plain
symbols (a code whose remainder is 32-36 is drawn again), so printed codes never hold "*~$=U".

A code is shown grouped "XXXX-XXXX-XXXX-XXXX-C"; `normalise_code` accepts lower case,
spaces, dashes and the usual confusions (O -> 0, I and L -> 1). Codes are secrets: never
logged, never in `str(card)`, and never stored: the database keeps a keyed digest
(HMAC-SHA256 with a key derived from SECRET_KEY, `code_digest`; lookups also try
SECRET_KEY_FALLBACKS, so rotating the key keeps old cards usable) and the last four symbols
(`code_hint`). The full code exists only in the request that makes it (`card.issued_code`):
it is shown once to the purchaser (page and API answer) and mailed to the recipient then.
Passing a card on gives it a new code (the old one stops working) mailed to the new recipient.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

from tandem.core.errors import InvalidInput, NotFound

from ..models import GiftCard

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"  # Crockford's check symbols for 0..36
CODE_SYMBOLS = 16
CODE_LENGTH = CODE_SYMBOLS + 1
_VALUE = {symbol: value for value, symbol in enumerate(CHECK_ALPHABET)}
_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -\t\u00a0")

INVALID_CODE = "invalid_gift_card_code"


def check_symbol(symbols: str) -> str:
    """Crockford's mod-37 check symbol of `symbols` (base-32 digits of ALPHABET)."""
    remainder = 0
    for symbol in symbols:
        remainder = (remainder * 32 + _VALUE[symbol]) % 37
    return CHECK_ALPHABET[remainder]


def generate_code() -> str:
    """A new normalised code: 16 random symbols and a check symbol from the plain alphabet."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_SYMBOLS))
        check = check_symbol(body)
        if check in ALPHABET:
            return body + check


def format_code(code: str) -> str:
    """'XXXX-XXXX-XXXX-XXXX-C'."""
    body = code[:CODE_SYMBOLS]
    return "-".join([body[i : i + 4] for i in range(0, CODE_SYMBOLS, 4)] + [code[CODE_SYMBOLS:]])


def last4(code: str) -> str:
    return code[-4:]


def masked_code(hint: str) -> str:
    """What pages and the API show, from the stored hint (last four symbols):
    '••••-••••-••••-•XYZ-C'."""
    return f"••••-••••-••••-•{hint[:3]}-{hint[3:]}"


_DIGEST_SALT = "tandem.payments.giftcard-code"


def code_digest(code: str, *, secret: str | None = None) -> str:
    """The stored digest of a normalised code: HMAC-SHA256 keyed with a key derived from
    SECRET_KEY (Django's salted_hmac: key = SHA-256(salt + secret)). A database dump alone
    cannot be turned back into codes, nor checked against guesses without the key."""
    return salted_hmac(_DIGEST_SALT, code, secret=secret, algorithm="sha256").hexdigest()


def _digests(code: str) -> list[str]:
    """The code's digest under SECRET_KEY and each fallback (a rotated key)."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [code_digest(code, secret=secret) for secret in secrets_]


def _invalid_code(message: str = "That is not a valid gift card code.") -> InvalidInput:
    return InvalidInput(
        message,
        code=INVALID_CODE,
        fields={"code": ["Check the code: a symbol is wrong or missing."]},
    )


def normalise_code(text: Any) -> str:
    """The normalised code for what a person typed; InvalidInput(invalid_gift_card_code) if
    it is malformed or its check symbol does not match. Touches no database."""
    if not isinstance(text, str) or len(text) > 64 or "\x00" in text:
        raise _invalid_code()
    code = text.upper().translate(_SEPARATORS).translate(_CONFUSIONS)
    if len(code) != CODE_LENGTH:
        raise _invalid_code()
    body, check = code[:CODE_SYMBOLS], code[CODE_SYMBOLS:]
    if any(symbol not in ALPHABET for symbol in body) or check not in CHECK_ALPHABET:
        raise _invalid_code()
    if check_symbol(body) != check:
        raise _invalid_code()
    return code


def find_card(code: Any) -> GiftCard:
    """The card with this code (validated first, without a query); NotFound if none."""
    normalised = normalise_code(code)
    card = GiftCard.objects.filter(code_digest__in=_digests(normalised)).first()
    if card is None:
        raise NotFound("No gift card has that code.", code="gift_card_not_found")
    return card
