"""Absolute links: every one the product hands out (emails, .ics files, calendar feeds, API
fields, webhooks' return addresses) is built here from one setting, TANDEM_SITE_URL.

Never from the request's host: behind a proxy that may be an internal name, and jobs and
workers that send mail have no request at all.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_url(path: str = "/") -> str:
    """`path` (starting with "/") on the public site."""
    return settings.TANDEM_SITE_URL.rstrip("/") + path


def site_origin() -> str:
    """The public site's origin, scheme://host[:port] (what browsers send as `Origin`)."""
    parts = urlsplit(settings.TANDEM_SITE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def site_netloc() -> str:
    """host[:port] of the public site (the "domain" shown in account emails)."""
    return urlsplit(settings.TANDEM_SITE_URL).netloc
