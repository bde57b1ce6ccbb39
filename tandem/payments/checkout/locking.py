"""Row locks for checkout: a row re-read under a lock before its balance or status is used."""

from __future__ import annotations

from django.db import connection


def lock_row(model, pk: int):
    """Re-read a row under a lock (PostgreSQL; SQLite's IMMEDIATE transaction already has one)."""
    queryset = model.objects.filter(pk=pk)
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update()
    return queryset.get()
