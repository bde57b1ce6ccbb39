"""A programme's status is said with one word on every page an admin sees: the model's label
("Active", "Ended"). The report pages said "Running" for what the others called "Active"."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from tandem.orgs.models import Programme

from .conftest import NOW


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def pages(programme: Programme) -> list[str]:
    pid = programme.public_id
    return [
        f"/org/programmes/{pid}/",
        f"/org/programmes/{pid}/roi/",
        f"/org/programmes/{pid}/budget/",
        f"/org/programmes/{pid}/participants/",
        f"/org/programmes/{pid}/settings/",
        f"/org/{programme.organisation.public_id}/",
    ]


def badges(html: str) -> list[str]:
    return re.findall(r"data-programme-status>([^<]*)<", html)


@pytest.mark.parametrize("status", [Programme.Status.ACTIVE, Programme.Status.ENDED])
def test_every_admin_page_says_the_models_status_label(olivia, programme, status):
    Programme.objects.filter(pk=programme.pk).update(status=status)
    client = Client()
    client.force_login(olivia)
    for url in pages(programme):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert badges(html) == [Programme.Status(status).label], url
        assert "Running" not in html, url
