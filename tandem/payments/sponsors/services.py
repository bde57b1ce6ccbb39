"""A sponsored programme's budget: funding it, recording a paid invoice, closing it.

Every write is one balanced ledger posting (tandem/payments/ledger) in one transaction with
its `SponsorFunding` record; the figures are the ledger's (selectors.py). Owners are
strings: a programme's budget "programme:<pk>" (`Programme.budget_owner`), an
organisation "org:<pk>". Who may do what is the caller's rule (orgs' access gate); these
functions take the actor for the record.

- `fund(method="invoice")`: the budget is available at once; the organisation's receivable
  records what it owes (Dr receivable org / Cr sponsor_budget).
- `fund(method="org_credit")`: the organisation's credit pays (Dr org_credit / Cr
  sponsor_budget); refused when the credit is short.
- `fund(method="card")` (Stripe only): the funding waits (`pending`) on a checkout payment of
  purpose "sponsor" paid by the admin's card, through the same path as a package bought by
  card (checkout/opening.payment_open → PaymentIntent → webhook or return page →
  payment_apply_intent). When the provider confirms, checkout posts Dr provider clearing /
  Cr in-flight ("card_received") and calls `on_card_paid`: Dr in-flight / Cr sponsor_budget
  ("sponsor_fund"), the funding becomes paid. A refused, cancelled or lapsed card calls
  `on_card_failed`: nothing was posted, the funding is `failed`.
- `mark_invoice_paid`: the invoice was paid by hand (Dr manual provider clearing / Cr
  receivable org).
- `close`: a programme ended; what is left of its budget becomes the organisation's credit
  (Dr sponsor_budget / Cr org_credit).

Sessions draw the budget down at checkout (checkout/opening.payment_open) and refunds give
it back (checkout/refunds.py); the sponsor port's `claim` and `returned` hear of those.

Every posting here into or out of a budget (`fund` by invoice or credit, `on_card_paid`
whether the webhook or the return page confirmed the card, `close`) tells the sponsor port
`budget_changed` once, after the commit (orgs re-checks its budget alerts): never inside the
money's transaction, and a failure there is logged, never undoing the money.
`mark_invoice_paid` moves no budget money (the receivable is settled), so it tells nothing.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from tandem.core.errors import Conflict, InvalidInput, NotFound
from tandem.core.idempotency import checked_key

# checkout's completion and failure modules import this module (on_card_paid/on_card_failed):
# import them as modules (never their names) so that either side may be imported first.
from ..checkout import cards, opening, terms
from ..errors import CurrencyMismatch, InsufficientFunds
from ..ledger import accounts
from ..ledger import services as ledger
from ..ledger.money import format_minor
from ..models import Account, Payment, SponsorFunding
from ..providers import get_provider
from .port import port as sponsor_port

logger = logging.getLogger(__name__)

Method = SponsorFunding.Method
Status = SponsorFunding.Status

METHODS = (Method.INVOICE, Method.ORG_CREDIT, Method.CARD)
# An unpaid card funding lapses after this (payments_sweep cancels its payment and intent).
CARD_WINDOW = timedelta(days=1)
# The largest single funding (minor units): 100 million in major units.
MAX_FUNDING = 100_000_000 * 100
_BUDGET_OWNER = re.compile(r"programme:[1-9][0-9]{0,18}")
_ORG_OWNER = re.compile(r"org:[1-9][0-9]{0,18}")
_CURRENCY = re.compile(r"[A-Z]{3}")


class FundingKeyReused(Conflict):
    """This Idempotency-Key was used for a different funding."""

    code = "idempotency_key_reused"


class FundingNotOpen(Conflict):
    """This funding's invoice is not open (already paid, or not an invoice)."""

    code = "funding_not_open"


def _budget_changed_on_commit(budget_owner: str, now: datetime) -> None:
    """Once the transaction that moved the budget's money commits, tell the sponsor port
    (orgs re-checks the budget alerts). Rolled back: never told. A failure is logged: the
    money is committed already and stays."""
    found = sponsor_port()
    hook = getattr(found, "budget_changed", None)
    if hook is None:  # no orgs (or a port without the hook): nothing to tell
        return

    def run() -> None:
        try:
            hook(budget_owner=budget_owner, now=now)
        except Exception:
            logger.exception("The sponsor port was not told that %s changed", budget_owner)

    transaction.on_commit(run)


def _owner(value: Any, pattern: re.Pattern[str], field: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"Unknown {field.replace('_', ' ')}.", fields={field: ["invalid"]})
    return value


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise InvalidInput(
            "Give the currency as three capital letters (EUR).", fields={"currency": ["invalid"]}
        )
    return value


def _amount(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(
            "Give the amount as whole minor units (cents).", fields={"amount": ["invalid"]}
        )
    if value <= 0:
        raise InvalidInput("Enter an amount above zero.", fields={"amount": ["not_positive"]})
    if value > MAX_FUNDING:
        raise InvalidInput("That amount is too large.", fields={"amount": ["too_large"]})
    return value


def _budget_currency_check(budget_owner: str, currency: str) -> None:
    """A programme's budget holds one currency: refuse another one."""
    other = (
        Account.objects.filter(
            kind=Account.Kind.SPONSOR_BUDGET, key__startswith=f"sponsor_budget:{budget_owner}:"
        )
        .exclude(currency=currency)
        .values_list("currency", flat=True)
        .first()
    )
    if other is not None:
        raise CurrencyMismatch(
            f"This programme's budget is in {other}, not {currency}.",
            fields={"currency": ["mismatch"]},
        )


def _request(
    budget_owner: str, org_owner: str, amount: int, currency: str, method: str
) -> tuple[str, str, int, str, str]:
    return (budget_owner, org_owner, amount, currency, method)


def fund(
    *,
    budget_owner: str,
    org_owner: str,
    amount: int,
    currency: str,
    method: str,
    actor: Any,
    now: datetime,
    idempotency_key: str | None = None,
) -> SponsorFunding:
    """Put `amount` into the programme's budget, paid by `method` ("invoice" or
    "org_credit"). Idempotent by key (per budget): the same key and request answers with
    the first funding; the same key with another request is refused."""
    budget_owner = _owner(budget_owner, _BUDGET_OWNER, "budget_owner")
    org_owner = _owner(org_owner, _ORG_OWNER, "org_owner")
    currency = _currency(currency)
    amount = _amount(amount)
    if method == Method.CARD and not card_available():
        raise InvalidInput(
            "Paying a budget by card needs card payments (Stripe), which this site does not "
            "take: fund it by invoice or from the organisation's credit.",
            code="method_unavailable",
            fields={"method": ["unavailable"]},
        )
    if method not in METHODS:
        raise InvalidInput(
            "Choose invoice, organisation credit or card.", fields={"method": ["invalid"]}
        )
    if method == Method.CARD and not getattr(actor, "pk", None):
        raise InvalidInput("Sign in to pay by card.", fields={"method": ["unavailable"]})
    key = checked_key(idempotency_key) or ""
    asked = _request(budget_owner, org_owner, amount, currency, method)
    if key and (earlier := _replay(budget_owner, key, asked)) is not None:
        return earlier
    try:
        with transaction.atomic():
            return _fund(budget_owner, org_owner, amount, currency, method, actor, now, key)
    except IntegrityError:
        # The same key committed first (unique per budget): answer with it.
        if key and (earlier := _replay(budget_owner, key, asked)) is not None:
            return earlier
        raise


def _replay(budget_owner: str, key: str, asked: tuple) -> SponsorFunding | None:
    found = SponsorFunding.objects.filter(budget_owner=budget_owner, idempotency_key=key).first()
    if found is None:
        return None
    made = _request(found.budget_owner, found.org_owner, found.amount, found.currency, found.method)
    if made != asked:
        raise FundingKeyReused()
    return found


def _fund(
    budget_owner: str,
    org_owner: str,
    amount: int,
    currency: str,
    method: str,
    actor: Any,
    now: datetime,
    key: str,
) -> SponsorFunding:
    _budget_currency_check(budget_owner, currency)
    if method == Method.ORG_CREDIT:
        held = accounts.org_credit_balance(org_owner, currency)
        if held < amount:
            raise InsufficientFunds(
                "The organisation's credit is not enough for that "
                f"({format_minor(max(held, 0), currency)} left).",
                fields={"amount": ["more_than_credit"]},
            )
    if method == Method.CARD:
        return _fund_by_card(budget_owner, org_owner, amount, currency, actor, now, key)
    funding = SponsorFunding.objects.create(
        budget_owner=budget_owner,
        org_owner=org_owner,
        method=method,
        amount=amount,
        currency=currency,
        status=Status.INVOICED if method == Method.INVOICE else Status.PAID,
        idempotency_key=key,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        paid_at=None if method == Method.INVOICE else now,
    )
    source = (
        accounts.org_receivable(org_owner, currency)
        if method == Method.INVOICE
        else accounts.org_credit(org_owner, currency)
    )
    ledger.post(
        reason="sponsor_fund",
        correlation_key=f"sponsor_funding:{funding.pk}",
        legs=[(source, amount), (accounts.sponsor_budget(budget_owner, currency), -amount)],
        actor=actor if getattr(actor, "pk", None) else None,
        memo=f"{method} funding of {budget_owner}",
        now=now,
    )
    _budget_changed_on_commit(budget_owner, now)
    return funding


def card_available() -> bool:
    """Whether budgets can be paid by card here: the configured provider takes cards (the
    manual provider, the embedded default, does not)."""
    return settings.TANDEM_PAYMENT_PROVIDER == "stripe" and bool(settings.STRIPE_SECRET_KEY)


def _fund_by_card(
    budget_owner: str,
    org_owner: str,
    amount: int,
    currency: str,
    actor: Any,
    now: datetime,
    key: str,
) -> SponsorFunding:
    """A pending funding and its card payment (the admin pays). Nothing is posted to the
    budget until the provider confirms (`on_card_paid`)."""
    funding = SponsorFunding.objects.create(
        budget_owner=budget_owner,
        org_owner=org_owner,
        method=Method.CARD,
        amount=amount,
        currency=currency,
        status=Status.PENDING,
        idempotency_key=key,
        created_by=actor,
        created_at=now,
    )
    payment = opening.payment_open(
        client=actor,
        purpose=Payment.Purpose.SPONSOR_FUNDING,
        amount=amount,
        currency=currency,
        pay_with=terms.PayWith(
            package=False, gift_card_code=None, use_credit=False, provider="stripe", sponsored=False
        ),
        now=now,
    )
    # Abandoned, it lapses (payments_sweep cancels the payment and its intent).
    Payment.objects.filter(pk=payment.pk).update(expires_at=now + CARD_WINDOW)
    funding.payment = payment
    funding.save(update_fields=["payment"])
    return funding


def on_card_paid(payment: Payment, *, now: datetime) -> None:
    """Checkout, inside its transaction, once a "sponsor" payment's card money is in its
    in-flight account: the amount goes into the budget and the funding is paid (once)."""
    funding = SponsorFunding.objects.select_for_update().get(payment=payment)
    if funding.status != Status.PENDING:
        return
    ledger.post(
        reason="sponsor_fund",
        correlation_key=f"sponsor_funding:{funding.pk}",
        legs=[
            (accounts.in_flight(payment), funding.amount),
            (accounts.sponsor_budget(funding.budget_owner, funding.currency), -funding.amount),
        ],
        payment=payment,
        actor=funding.created_by,
        memo=f"card funding of {funding.budget_owner}",
        now=now,
    )
    funding.status = Status.PAID
    funding.paid_at = now
    funding.save(update_fields=["status", "paid_at"])
    # Webhook or return page, whichever came first: this runs once per funding.
    _budget_changed_on_commit(funding.budget_owner, now)


def on_card_failed(payment: Payment) -> None:
    """Checkout: a "sponsor" payment failed, was cancelled or lapsed. Nothing was posted."""
    SponsorFunding.objects.filter(payment=payment, status=Status.PENDING).update(
        status=Status.FAILED
    )


def card_start(funding: SponsorFunding) -> SponsorFunding:
    """Create the PaymentIntent of a pending card funding if it has none yet (its pay page
    does, like a session's pay page; idempotent, keyed by the payment)."""
    if funding.status == Status.PENDING and funding.payment is not None:
        cards.payment_start_card(funding.payment)
        funding.refresh_from_db()
    return funding


def card_sync(funding: SponsorFunding, *, now: datetime) -> SponsorFunding:
    """The return page: re-read the intent from the provider and apply it (exactly what the
    webhook does; safe to repeat, the budget is credited once)."""
    payment = funding.payment
    if funding.status == Status.PENDING and payment is not None and payment.provider_ref:
        intent = get_provider(payment.provider).retrieve_intent(payment.provider_ref)
        cards.payment_apply_intent(payment=payment, intent=intent, now=now)
        funding.refresh_from_db()
    return funding


def _funding_id(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound("No such funding.") from None


@transaction.atomic
def mark_invoice_paid(*, funding_id: Any, actor: Any, now: datetime) -> SponsorFunding:
    """The organisation paid the funding's invoice by hand: its receivable is settled into
    the manual provider's clearing account. A funding already paid is refused."""
    public_id = _funding_id(funding_id)
    queryset = SponsorFunding.objects.filter(public_id=public_id)
    found = queryset.first()
    if found is None:
        raise NotFound("No such funding.")
    funding = queryset.select_for_update().get()  # SQLite: the transaction already writes
    if funding.method != Method.INVOICE or funding.status != Status.INVOICED:
        raise FundingNotOpen()
    ledger.post(
        reason="sponsor_invoice_paid",
        correlation_key=f"sponsor_funding:{funding.pk}:paid",
        legs=[
            (accounts.provider_clearing("manual", funding.currency), funding.amount),
            (accounts.org_receivable(funding.org_owner, funding.currency), -funding.amount),
        ],
        actor=actor if getattr(actor, "pk", None) else None,
        memo=f"invoice paid for {funding.budget_owner}",
        now=now,
    )
    funding.status = Status.PAID
    funding.paid_at = now
    funding.paid_recorded_by = actor if getattr(actor, "pk", None) else None
    funding.save(update_fields=["status", "paid_at", "paid_recorded_by"])
    return funding


@transaction.atomic
def close(*, budget_owner: str, org_owner: str, currency: str, actor: Any, now: datetime) -> int:
    """A programme ended: what is left of its budget moves to the organisation's credit.
    Returns the amount moved (0 when nothing was left). Safe to repeat (a later refund into
    the closed budget is moved by the next call)."""
    budget_owner = _owner(budget_owner, _BUDGET_OWNER, "budget_owner")
    org_owner = _owner(org_owner, _ORG_OWNER, "org_owner")
    currency = _currency(currency)
    budget = accounts.sponsor_budget(budget_owner, currency)
    # Lock first, then read: a session drawing on the budget concurrently waits or went first.
    ledger.lock_accounts([budget.pk])
    left = ledger.balance(budget)
    if left <= 0:
        return 0
    ledger.post(
        reason="sponsor_close",
        correlation_key=f"sponsor_close:{budget_owner}:{currency}:{uuid.uuid4().hex}",
        legs=[(budget, left), (accounts.org_credit(org_owner, currency), -left)],
        actor=actor if getattr(actor, "pk", None) else None,
        memo=f"{budget_owner} ended: unspent budget to {org_owner}'s credit",
        now=now,
    )
    _budget_changed_on_commit(budget_owner, now)
    return left
