"""Messaging fixtures: coach Alice and client Bob share a booking, so they may talk; stranger
Charlie shares nothing with either."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tandem.booking.tests.conftest import at, book_session, make_coach, make_type, token_client
from tandem.messaging import services
from tandem.messaging.models import Conversation

__all__ = ["api_json", "png_bytes", "send"]


@pytest.fixture
def booking(alice, bob):
    coach = make_coach(alice, slug="alice")
    return book_session(bob, coach, make_type(coach), at(3, 10))


@pytest.fixture
def conversation(alice, bob, booking) -> Conversation:
    conversation, _ = services.conversation_start(user=bob, other_id=alice.public_id)
    return conversation


@pytest.fixture
def alice_api(alice):
    return token_client(alice)


@pytest.fixture
def bob_api(bob):
    return token_client(bob)


@pytest.fixture
def charlie_api(charlie):
    return token_client(charlie)


def send(user, conversation: Conversation, body: str = "", **extra: Any):
    """A message sent through the service, as the API would."""
    return services.message_send(
        user=user, conversation_id=conversation.public_id, body=body, **extra
    ).message


def api_json(client, method: str, path: str, body: object = None, **headers: Any):
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers)


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
