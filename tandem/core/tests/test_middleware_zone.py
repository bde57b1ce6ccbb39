"""The viewer's zone is active during their request and only then."""

from django.conf import settings
from django.test import Client
from django.utils import timezone


def test_the_users_zone_is_gone_once_their_request_ends(alice):
    client = Client()
    client.force_login(alice)
    assert client.get("/").status_code in (200, 302)
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
    assert alice.timezone != settings.TIME_ZONE
