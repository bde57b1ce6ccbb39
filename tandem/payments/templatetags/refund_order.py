"""{% refund_order_text payment %}: where a staff refund of this payment goes, in order.

The order is checkout's own (`refunds.RETURN_ORDER`, the order `give_back` takes the sources
in), read here rather than restated, so the staff page cannot drift from what a refund does.
Only the sources with something left to give back are named.
"""

from __future__ import annotations

from django import template

from tandem.payments.checkout.refunds import RETURN_ORDER
from tandem.payments.models import Payment, PaymentSource

register = template.Library()
Kind = PaymentSource.Kind


def _left(source: PaymentSource) -> int:
    return source.amount - source.refunded - source.voided


def refund_order(payment: Payment) -> list[str]:
    """The kinds of the payment's sources with something left, in the order a refund takes
    them (ties: the older source first, as the refund code does). No query when the
    payment's sources are prefetched."""
    sources = [s for s in payment.sources.all() if _left(s) > 0]
    sources.sort(key=lambda s: (RETURN_ORDER.index(s.kind), s.pk))
    kinds: list[str] = []
    for source in sources:
        if source.kind not in kinds:
            kinds.append(source.kind)
    return kinds


def _words(kind: str, payment: Payment) -> str:
    if kind == Kind.SPONSOR:
        return "the sponsor's programme budget"
    if kind == Kind.CARD:
        return "the card"
    if kind == Kind.INVOICE:
        if payment.status == Payment.Status.AWAITING_INVOICE:
            return "the open invoice (it is reduced, nothing is paid back)"
        return "the paid invoice (you pay it back by hand)"
    if kind == Kind.CREDIT:
        return "account credit"
    if kind == Kind.GIFT_CARD:
        return "the gift card (account credit if it has expired)"
    if kind == Kind.PACKAGE:
        return "the package (a whole session credit only)"
    return str(kind)


@register.simple_tag
def refund_order_text(payment: Payment) -> str:
    """ "It goes back to A first, then B, then C." for this payment's sources."""
    places = [_words(kind, payment) for kind in refund_order(payment)]
    if not places:
        return "Nothing is left to give back."
    if len(places) == 1:
        return f"It goes back to {places[0]}."
    rest = "".join(f", then {place}" for place in places[1:])
    return f"It goes back to {places[0]} first{rest}."
