"""Users never see Django's debug pages: DEBUG is off unless a developer asks for it
(TANDEM_DEBUG=1), and errors answer friendly pages inside the site's layout with a way back."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

BASE_DIR = Path(django_settings.BASE_DIR)


def debug_setting(**env: str) -> bool:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TANDEM_DEBUG", "DEBUG", "TANDEM_ENV", "DJANGO_SETTINGS_MODULE"}
    }
    result = subprocess.run(
        [sys.executable, "-c", "import json, tandem.settings as s; print(json.dumps(s.DEBUG))"],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_is_off_in_the_embedded_default():
    assert debug_setting() is False
    # The old switch no longer turns debug pages on by accident.
    assert debug_setting(DEBUG="1") is False


def test_a_developer_turns_debug_on_with_tandem_debug():
    assert debug_setting(TANDEM_DEBUG="1") is True


def assert_friendly(html: str, *, status: int) -> None:
    assert f"Error {status}" in html
    # Inside the layout: the site's navigation and footer.
    assert 'aria-label="Main"' in html and "<footer" in html
    # Nothing a debug page would show.
    for leak in ("URLconf", "Traceback", "tandem.urls", "Django tried these URL patterns"):
        assert leak not in html


def test_an_unknown_session_is_a_friendly_404_with_a_way_back(bob):
    client = Client()
    client.force_login(bob)
    response = client.get(f"/sessions/{uuid.uuid4()}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_friendly(html, status=404)
    assert 'href="/dashboard/"' in html


def test_an_unknown_page_signed_out_links_home():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_friendly(html, status=404)
    assert "Go to the home page" in html and 'href="/"' in html


def test_a_server_error_is_a_friendly_page_in_the_layout(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of the failure")

    # The landing view renders through this name; make it fail as a bug would.
    monkeypatch.setattr("tandem.core.views.render", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert_friendly(html, status=500)
    assert "secret detail" not in html and "RuntimeError" not in html
    assert "Something went wrong on our side" in html
    assert 'href="/"' in html


def test_a_csrf_failure_is_a_friendly_403(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post("/settings/", {"display_name": "Mallory"})
    assert response.status_code == 403
    html = response.content.decode()
    assert_friendly(html, status=403)
    assert "That form has expired" in html
    bob.refresh_from_db()
    assert bob.display_name == "Bob Brown"


@pytest.mark.parametrize(
    "path", ["/static/tandem/tandem.css", "/static/vendor/bootstrap/css/bootstrap.min.css"]
)
def test_static_files_are_served_with_debug_off(path, settings):
    settings.DEBUG = False
    response = Client().get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])
