"""No text a participant or coach wrote ever reaches an export: markers written through the
workspace API (journal, goals, action items, a coach's session note) and a booking's notes,
then every format searched for them (the files' bytes, the XLSX's cells and XML, the PDF's
HTML before layout)."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from tandem.booking.models import Booking
from tandem.orgs.exports.document import document_for
from tandem.orgs.exports.services import export_run, export_start
from tandem.orgs.exports.writers import pdf_html
from tandem.workspace.services.engagements import engagement_follow_booking

from .conftest import NOW
from .exports_support import all_cells_text, file_bytes, populate, xlsx_sheets


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{url}", json.dumps(body), content_type="application/json")


def _write_markers(people: list[Any], coach: Any) -> list[str]:
    markers: list[str] = []

    def mark(label: str) -> str:
        text = f"zqx{label}{secrets.token_hex(5)}"
        markers.append(text)
        return text

    coach_client = _client(coach.user)
    for p in people:
        engagement = engagement_follow_booking(coach_id=coach.pk, client_id=p.user_id, now=NOW)
        assert engagement is not None
        me = _client(p.user)
        r = _post(me, "/workspace/journal/entries", {"body": mark("journal"), "mood": 2})
        assert r.status_code == 201, r.content
        eid = engagement.public_id
        r = _post(me, f"/workspace/engagements/{eid}/goals", {"title": mark("goal"),
                                                               "why": mark("why")})  # fmt: skip
        assert r.status_code == 201, r.content
        r = _post(me, f"/workspace/engagements/{eid}/action-items",
                  {"title": mark("action"), "detail": mark("detail")})  # fmt: skip
        assert r.status_code == 201, r.content
        booking = Booking.objects.filter(client=p.user, status="completed").first()
        if booking is not None:
            Booking.objects.filter(pk=booking.pk).update(notes=mark("booking"))
            r = _post(coach_client, f"/workspace/engagements/{eid}/notes",
                      {"booking": str(booking.public_id), "visibility": "private"})  # fmt: skip
            if r.status_code in (200, 201):
                note = r.json()["id"]
                r = coach_client.patch(f"/api/v1/workspace/notes/{note}",
                                       json.dumps({"body": mark("note")}),
                                       content_type="application/json")  # fmt: skip
                assert r.status_code == 200, r.content
    return markers


def test_no_private_text_reaches_any_export(olivia, programme, coach, session_type):
    people = populate(programme, coach, session_type, 6)
    markers = _write_markers(people, coach)
    assert len(markers) >= 6 * 5
    names = [p.name for p in people] + [p.email for p in people]

    doc = document_for(programme, now=NOW, zone=ZoneInfo("Europe/London"))
    texts = "\n".join(all_cells_text(doc)) + pdf_html(doc)
    for fmt in ("csv", "xlsx", "pdf"):
        job = export_start(user=olivia, programme_id=programme.public_id, fmt=fmt, now=NOW)
        assert export_run(job.public_id, now=NOW)
        data = file_bytes(job)
        blobs = [data]
        if fmt == "xlsx":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                blobs += [z.read(n) for n in z.namelist()]
            cells = [str(c) for rows in xlsx_sheets(data).values() for r in rows for c in r]
            texts += "\n".join(cells)
        haystack = b"\n".join(blobs)
        for marker in markers:
            assert marker.encode() not in haystack, (fmt, marker)
        for name in names:
            assert name.encode() not in haystack, (fmt, name)
    for marker in markers + names:
        assert marker not in texts
