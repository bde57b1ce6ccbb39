"""Template helpers for the notification pages."""

from __future__ import annotations

from django import template

register = template.Library()

# bootstrap-icons names; a kind without one gets the bell.
ICONS = {
    "booking_made": "calendar-plus",
    "booking_changed": "calendar-check",
    "booking_cancelled": "calendar-x",
    "reminder": "alarm",
    "message": "chat-dots",
    "payment": "credit-card",
    "dispatch": "lightning-charge",
}


@register.filter
def kind_icon(kind: str) -> str:
    return ICONS.get(kind, "bell")
