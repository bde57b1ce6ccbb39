"""The one public-id parser: a UUID or None, whatever a caller is handed."""

from __future__ import annotations

import uuid

import pytest

from tandem.core.ids import parse_id

KNOWN = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.mark.parametrize(
    "value",
    [
        KNOWN,
        str(KNOWN),
        str(KNOWN).upper(),
        KNOWN.hex,
        "{12345678-1234-5678-1234-567812345678}",
        "urn:uuid:12345678-1234-5678-1234-567812345678",
    ],
)
def test_a_valid_uuid_in_any_spelling_uuid_accepts(value: object) -> None:
    assert parse_id(value) == KNOWN


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-a-uuid",
        "12345678-1234-5678-1234-56781234567",  # one digit short
        "12345678-1234-5678-1234-56781234567g",  # not hex
        "\x00",
        str(KNOWN) + "\x00",
        "\x00" + str(KNOWN),
        "a" * 1_000_000,
        "1" * 10_000_000,
    ],
)
def test_malformed_text_is_none(value: str) -> None:
    assert parse_id(value) is None


@pytest.mark.parametrize(
    "value",
    [None, 0, 12345678, 3.5, True, b"12345678123456781234567812345678", [], {}, object()],
)
def test_wrong_types_are_none(value: object) -> None:
    assert parse_id(value) is None


def test_an_object_whose_text_misbehaves_is_none() -> None:
    class Odd:
        def __str__(self) -> str:
            raise TypeError("no text")

    assert parse_id(Odd()) is None
