"""Encryption at rest (issue 17, privacy): marker texts written through the API into every
encrypted field are nowhere in a dump of the database — the SQLite file's raw bytes (and its
WAL) or `pg_dump`'s output — and the blind index holds no word.

A marker written into a column that is *not* encrypted is found in the same dump: the control
that proves the dump really holds the data.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import warnings
from pathlib import Path
from typing import Any, cast

import pytest
from django.db import connection

from tandem.core import blind_index

from ..models import NoteTemplate, SearchTerm
from .privacy_world import build_world, marker

# Committed data: pg_dump runs in another session, and SQLite's file must hold the rows.
pytestmark = pytest.mark.django_db(transaction=True)


def sqlite_dump(tmp_path: Path) -> bytes:
    """Raw bytes of the database: the file and its WAL after a checkpoint (the WAL before it
    too); for the suite's in-memory database, a page-for-page copy (the backup API copies
    free pages as well) plus the SQL text dump."""
    raw = connection.connection
    if cast(Any, connection).is_in_memory_db():  # SQLite's wrapper only
        copy = tmp_path / "copy.sqlite3"
        target = sqlite3.connect(copy)
        raw.backup(target)
        target.close()
        return copy.read_bytes() + "\n".join(raw.iterdump()).encode()
    path = Path(connection.settings_dict["NAME"])
    wal = Path(f"{path}-wal")
    before = wal.read_bytes() if wal.exists() else b""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = wal.read_bytes() if wal.exists() else b""
    return path.read_bytes() + before + after


def postgres_dump() -> bytes:
    settings = connection.settings_dict
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    command = ["pg_dump", "--no-owner", "--dbname", settings["NAME"]]
    if settings.get("HOST"):
        command += ["--host", settings["HOST"]]
    if settings.get("PORT"):
        command += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        command += ["--username", settings["USER"]]
    done = subprocess.run(command, env=env, capture_output=True, check=True, timeout=120)
    return done.stdout


def database_dump(tmp_path: Path) -> bytes:
    if connection.vendor == "sqlite":
        return sqlite_dump(tmp_path)
    if connection.vendor == "postgresql":
        return postgres_dump()
    raise AssertionError(f"no dump for {connection.vendor}")


def test_no_marker_text_in_a_dump_of_the_database(alice, bob, charlie, staff_user, tmp_path):
    world = build_world(alice=alice, bob=bob, charlie=charlie, staff=staff_user)
    # The control: a clear (not encrypted) column, written the same way, must be found.
    control = marker("control")
    NoteTemplate.objects.create(coach=world.coach, name="control", body=control)

    dump = database_dump(tmp_path)

    assert control.encode() in dump, "the dump does not hold the data; the test proves nothing"
    found = {
        label: world.via.get(label) for label, m in world.markers.items() if m.encode() in dump
    }
    assert found == {}, f"plaintext in the database dump ({connection.vendor}): {found}"
    not_api = {k: v for k, v in world.via.items() if not v.startswith("API")}
    if not_api:
        warnings.warn(f"written without the API (no route yet): {not_api}", stacklevel=1)


def test_the_blind_index_holds_digests_not_words(alice, bob, charlie, staff_user):
    world = build_world(alice=alice, bob=bob, charlie=charlie, staff=staff_user)
    digests = set(SearchTerm.objects.values_list("digest", flat=True))
    assert digests, "nothing was indexed"
    for label, m in world.markers.items():
        assert not any(m in d for d in digests), label
        # Not a plain (unkeyed) hash either: that could be reversed with a dictionary.
        for term in blind_index.index_terms(m):
            plain = hashlib.sha256(term.encode()).hexdigest()[: blind_index.DIGEST_CHARS]
            assert plain not in digests, label
    assert all(len(d) == blind_index.DIGEST_CHARS for d in digests)
