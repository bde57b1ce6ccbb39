"""`manage.py check --deploy` warns when production links would point at a guessed address.

Outside production the public URL defaults to the address `serve` listens on, which is right
for `make run`. Behind a proxy that address is internal: emails, .ics files, calendar feeds
and the WebSocket origin check would all use it. So production must name its public URL,
and over HTTPS.

Every `check` also warns about a job lease shorter than three worker heartbeats (core.W003).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def public_url_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    if not os.environ.get("TANDEM_SITE_URL"):
        return [
            checks.Warning(
                "TANDEM_SITE_URL is not set: links in emails, calendar files and feeds would "
                f"point at {settings.TANDEM_SITE_URL}, the address the server listens on.",
                hint="Set TANDEM_SITE_URL to the site's public address, e.g. https://tandem.example",
                id="core.W001",
            )
        ]
    if urlsplit(settings.TANDEM_SITE_URL).scheme != "https":
        return [
            checks.Warning(
                "TANDEM_SITE_URL is not an https:// address.",
                hint="Serve the site over HTTPS and name that address.",
                id="core.W002",
            )
        ]
    return []


@checks.register()
def job_lease_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A job's lease must outlast a few of its worker's heartbeats, or the reaper would put
    back (and another worker run again) the jobs of workers that are alive (core/jobs.py)."""
    beat, lease = settings.TANDEM_WORKER_HEARTBEAT_SECONDS, settings.TANDEM_JOB_LEASE_SECONDS
    if lease < 3 * beat:
        return [
            checks.Warning(
                f"TANDEM_JOB_LEASE_SECONDS ({lease}) is less than "
                f"three heartbeats (TANDEM_WORKER_HEARTBEAT_SECONDS={beat}): jobs of live "
                "workers could be taken back and run twice.",
                hint="Keep the lease at several heartbeats (defaults: 60 s and 10 s).",
                id="core.W003",
            )
        ]
    return []
