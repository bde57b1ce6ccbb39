"""Template filters for the booking pages."""

from django import template

from ..page_queries import STATUS_TONES

register = template.Library()


@register.filter
def status_tone(status: str) -> str:
    """The badge classes of a booking status (its words are always shown beside the colour)."""
    return STATUS_TONES.get(status, "text-bg-secondary")
