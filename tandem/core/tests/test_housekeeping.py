"""`manage.py housekeeping`: every sweep, once or in serve's loop; one failing sweep does not
stop the others."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.core.housekeeping import SWEEPS
from tandem.payments.management.commands import money_sweep as money_sweep_command

pytestmark = pytest.mark.django_db


def test_one_run_runs_every_sweep_and_says_what_each_did():
    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == list(SWEEPS)
    assert "payments_lapsed: 0" in out.getvalue()


def test_quiet_it_says_nothing():
    out = io.StringIO()
    call_command("housekeeping", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_a_failing_sweep_is_logged_the_others_still_run_and_the_run_fails(monkeypatch, caplog):
    def broken(**kwargs: object) -> dict[str, int]:
        raise RuntimeError("the ledger is unreachable")

    monkeypatch.setattr(money_sweep_command, "money_sweep", broken)
    out = io.StringIO()
    with pytest.raises(CommandError, match="money_sweep"):
        call_command("housekeeping", stdout=out)
    ran = [line.split(":")[0] for line in out.getvalue().splitlines()]
    assert ran == list(SWEEPS)  # the ones after it ran too
    assert "housekeeping: money_sweep failed" in caplog.text
