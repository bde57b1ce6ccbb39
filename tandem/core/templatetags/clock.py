"""`{{ moment|when:"D j M, H:i" }}`: Django's `date` filter in the viewer's clock.

The format is written once, 24-hour style; for a 12-hour user its "H:i" becomes "g:i A"
("2:30 PM"). Loaded for every template (settings.TEMPLATES builtins). Use it wherever a
template shows a time of day; date-only formats keep `date`.
"""

from datetime import date, datetime

from django import template
from django.template.defaultfilters import date as date_filter

from tandem.core import timefmt

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def when(value: date | datetime | None, fmt: str = "D j M, H:i") -> str:
    return date_filter(value, timefmt.pattern(fmt))


@register.simple_tag
def time_format() -> str:
    """ "12h" or "24h": the active clock (for <body data-time-format>)."""
    return timefmt.active()
