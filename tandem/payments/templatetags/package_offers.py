"""{% package_offers coach %}: a coach's packages on sale, for the public coach page."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.payments.packages import selectors as package_selectors

register = template.Library()


@register.inclusion_tag("payments/packages/public_offers.html", takes_context=True)
def package_offers(context: template.Context, coach: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "coach": coach,
        "offers": package_selectors.public_offers(coach),
        "is_own": bool(user and user.is_authenticated and coach.user_id == user.pk),
    }
