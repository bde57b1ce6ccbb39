"""Booking's hand-written SQL (booking/sql.py) stays honest."""

from __future__ import annotations

from django.db.models import signals

from tandem.booking import sql


def test_models_written_by_hand_have_no_signal_receivers() -> None:
    # sql.insert sends no signals: a receiver added to one of these models would be skipped
    # on every booking. Give it a seam in the service instead, or write the model by the ORM.
    for model in sql.INSERTED_MODELS:
        for signal in (signals.pre_save, signals.post_save):
            assert not signal.has_listeners(model), f"{model.__name__} has a {signal} receiver"
