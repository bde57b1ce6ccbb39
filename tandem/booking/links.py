"""Absolute links for mail and calendar files, which are read outside any request."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .models import Booking


def site_url(path: str) -> str:
    """`path` on the public site (TANDEM_SITE_URL, not the request's host: this runs in jobs)."""
    return settings.TANDEM_SITE_URL.rstrip("/") + path


def session_url(booking: Booking) -> str:
    """The session's page (/sessions/<public_id>/), where each side sees and changes it."""
    return site_url(reverse("session_detail", kwargs={"booking_id": booking.public_id}))


def book_again_url(booking: Booking) -> str:
    return site_url(reverse("coach_public", kwargs={"slug": booking.coach.slug}))
