"""The one public-id parser: a UUID or None, whatever a caller is handed."""

from __future__ import annotations

import uuid

import pytest

from tandem.core.ids import MAX_ID_LENGTH, parse_id

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
        " " * 65 + str(KNOWN),  # padding uuid.UUID would strip: longer than any id
        "-" * 60 + KNOWN.hex,
    ],
)
def test_malformed_text_is_none(value: str) -> None:
    assert parse_id(value) is None


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        12345678,
        3.5,
        True,
        b"12345678123456781234567812345678",
        [],
        {},
        object(),
        KNOWN.int,  # a number whose text is 32+ digits is still not an id
        12345678123456781234567812345678,  # its text is 32 hex digits uuid.UUID would take
        bytearray(str(KNOWN), "ascii"),
    ],
)
def test_wrong_types_are_none(value: object) -> None:
    assert parse_id(value) is None


def test_a_str_subclass_is_text() -> None:
    class Text(str):
        pass

    assert parse_id(Text(str(KNOWN))) == KNOWN


def test_an_unknown_but_valid_id_parses_and_simply_finds_nothing() -> None:
    # Parsing says nothing about existence: a well-formed id no row has is the caller's
    # "not found", like any other unknown id.
    unknown = "00000000-0000-4000-8000-000000000000"
    assert parse_id(unknown) == uuid.UUID(unknown)


def test_the_longest_spelling_uuid_accepts_fits_the_limit() -> None:
    longest = "urn:uuid:" + str(KNOWN)
    assert len(longest) <= MAX_ID_LENGTH
    assert parse_id(longest) == KNOWN


def test_an_object_whose_text_misbehaves_is_none() -> None:
    class Odd:
        def __str__(self) -> str:
            raise TypeError("no text")

    assert parse_id(Odd()) is None
