"""The budget page's money given back: the ledger's returns (`refund`, `payment_release`)
come from cancellations and from no-shows the policy refunded in part, and the figures cannot
tell them apart without a query per session, so the line says both."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from tandem.booking.models import Booking

from .conftest import NOW
from .test_reporting_roi_money import _book
from .test_reporting_selectors import fund, make_participants


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def test_given_back_says_cancellations_and_no_shows(olivia, programme, coach, session_type):
    fund(programme, 100_000)
    bob, dana = make_participants(programme, 2, coach)
    _book(programme, bob, session_type, days=-3, status=Booking.Status.CANCELLED)  # 120 back
    _book(programme, dana, session_type, days=-2, status=Booking.Status.NO_SHOW, returned=6_000)
    client = Client()
    client.force_login(olivia)
    html = re.sub(
        r"\s+", " ", client.get(f"/org/programmes/{programme.public_id}/budget/").content.decode()
    )
    assert "Given back by cancellations<" not in html
    line = re.search(r'data-figure-label="returned">([^<]*)</dt><dd[^>]*>([^<]*)<', html)
    assert line is not None
    assert line.groups() == ("Given back (cancellations and no-shows)", "180.00 EUR ")
