"""Absolute links for mail and calendar files, which are read outside any request."""

from __future__ import annotations

from django.urls import reverse

from tandem.core.links import site_url

from .models import Booking

__all__ = ["book_again_url", "session_url", "site_url"]


def session_url(booking: Booking) -> str:
    """The session's page (/sessions/<public_id>/), where each side sees and changes it."""
    return site_url(reverse("session_detail", kwargs={"booking_id": booking.public_id}))


def book_again_url(booking: Booking) -> str:
    return site_url(reverse("coach_public", kwargs={"slug": booking.coach.slug}))
