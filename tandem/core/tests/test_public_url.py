"""One public-URL setting (TANDEM_SITE_URL) for every absolute link, defaulting to the address
`make run` / `manage.py serve` serves.

Settings are read once per process, so their defaults are examined in a fresh subprocess.
The .ics files, the calendar feed's webcal:// link and booking emails are checked with the
setting changed in tandem/booking/tests (test_ical, test_calendar_feed, test_emails); the API's
photo and certificate links in tandem/coaches/tests.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tandem.core.management.commands import serve

BASE_DIR = Path(django_settings.BASE_DIR)
PUBLIC = "https://tandem.example:8443"


def settings_in_subprocess(*names: str, **env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"HOST", "PORT", "TANDEM_SITE_URL", "TANDEM_DEBUG", "DEBUG", "TANDEM_ENV"}
        and k not in {"ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    code = (
        "import json, tandem.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8201"}, "http://127.0.0.1:8201"),
        ({"HOST": "0.0.0.0", "PORT": "8202"}, "http://127.0.0.1:8202"),
        ({"HOST": "::1", "PORT": "8203"}, "http://[::1]:8203"),
        ({"PORT": "8201", "TANDEM_SITE_URL": "https://coach.example/"}, "https://coach.example"),
    ],
)
def test_the_public_url_defaults_to_the_served_address(env, expected):
    values = settings_in_subprocess("TANDEM_SITE_URL", "ALLOWED_HOSTS", **env)
    assert values["TANDEM_SITE_URL"] == expected


def test_the_public_hosts_name_is_allowed():
    values = settings_in_subprocess(
        "ALLOWED_HOSTS", TANDEM_SITE_URL="http://tandem.lan:8201", PORT="8201"
    )
    assert "tandem.lan" in values["ALLOWED_HOSTS"]


def test_serve_passes_its_host_and_port_to_every_child():
    started = serve.children(
        host="127.0.0.1", port=8201, workers=1, environ={}, python="python", cwd="/srv/tandem"
    )

    assert [child.name for child in started] == [
        "web", "task_worker", "notify_worker", "housekeeping",
    ]  # fmt: skip
    for child in started:
        # Each child's settings derive TANDEM_SITE_URL from these (see the test above).
        assert child.env["PORT"] == "8201", child.command
        assert child.env["HOST"] == "127.0.0.1", child.command
    assert "8201" in started[0].command


def test_account_emails_link_to_the_public_url(bob, settings, mailoutbox):
    settings.TANDEM_SITE_URL = PUBLIC
    response = Client().post("/accounts/password/reset/", {"email": "bob@example.com"})
    assert response.status_code == 302
    [mail] = mailoutbox
    links = re.findall(r"https?://\S+", mail.body)
    assert links and all(link.startswith(PUBLIC + "/") for link in links), links
    assert "testserver" not in mail.body
    # The footer names the public site too.
    assert "tandem.example:8443" in mail.body


def test_the_account_exists_email_links_to_the_public_url(bob, settings, mailoutbox):
    settings.TANDEM_SITE_URL = PUBLIC
    Client().post(
        "/accounts/signup/",
        {"email": "bob@example.com", "password1": "x-Tr0ub4dor-3", "password2": "x-Tr0ub4dor-3"},
    )
    [mail] = [m for m in mailoutbox if "bob@example.com" in m.to]
    links = re.findall(r"https?://\S+", mail.body)
    assert links and all(link.startswith(PUBLIC + "/") for link in links), links
