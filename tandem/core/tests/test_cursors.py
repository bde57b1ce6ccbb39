"""The one decoding of page cursors: every malformed cursor is the same InvalidInput on the
`cursor` field (a 400 with the same code in every API), never a 500."""

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from tandem.core.cursors import (
    MAX_CURSOR_LENGTH,
    cursor_counter,
    cursor_key,
    cursor_moment,
    decode_cursor,
    decode_position,
    encode_cursor,
)
from tandem.core.errors import InvalidInput

AT = "2030-05-06T07:08:09+00:00"
ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


def raw_cursor(text: str) -> str:
    """A cursor carrying any JSON text (including what encode_cursor would never write)."""
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def assert_invalid(call) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()
    assert "cursor" in caught.value.fields


def test_a_position_round_trips_with_an_int_key():
    cursor = encode_cursor({"s": AT, "i": 42})
    at, key = decode_position(cursor, moment="s", key="i", key_type=int)
    assert at == datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert key == 42


def test_a_position_round_trips_with_a_uuid_key_and_its_scope():
    cursor = encode_cursor({"s": "applications:pending", "k": AT, "id": ID.hex})
    at, key = decode_position(
        cursor, moment="k", key="id", key_type=uuid.UUID, scope={"s": "applications:pending"}
    )
    assert (at, key) == (datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC), ID)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64 at all!",
        "////",  # base64 of bytes that are not UTF-8 JSON
        raw_cursor("[1, 2]"),  # JSON, but not an object
        raw_cursor("{"),
        raw_cursor('{"s": "2030-05-06T07:08:09+00:00", "i": 1}\x00'),
        "A" * (MAX_CURSOR_LENGTH + 1),  # a huge string is refused before decoding
        "\x00",
    ],
)
def test_an_undecodable_cursor_is_invalid(cursor):
    assert_invalid(lambda: decode_position(cursor, moment="s", key="i", key_type=int))


@pytest.mark.parametrize(
    "payload",
    [
        {"i": 1},  # no time
        {"s": AT},  # no key
        {"s": "2030-05-06T07:08:09", "i": 1},  # a naive time
        {"s": "2030-05-06\x00T07:08:09+00:00", "i": 1},  # NUL inside the time
        {"s": "yesterday", "i": 1},
        {"s": 20300506, "i": 1},  # not a string
        {"s": None, "i": 1},
        {"s": AT, "i": "one"},  # wrong key type
        {"s": AT, "i": None},
        {"s": AT, "i": [1]},
        {"s": AT, "i": "1\x00"},
    ],
)
def test_a_position_with_a_bad_field_is_invalid(payload):
    cursor = encode_cursor(payload)
    assert_invalid(lambda: decode_position(cursor, moment="s", key="i", key_type=int))


def test_an_infinite_int_key_is_invalid_not_a_crash():
    # JSON as Python reads it allows Infinity; int() of it raises OverflowError.
    cursor = raw_cursor(f'{{"s": "{AT}", "i": Infinity}}')
    assert_invalid(lambda: decode_position(cursor, moment="s", key="i", key_type=int))


@pytest.mark.parametrize("key", ["not-a-uuid", 42, None, ID.hex + "\x00", "0" * 400])
def test_a_uuid_key_that_is_not_a_uuid_is_invalid(key):
    cursor = encode_cursor({"k": AT, "id": key})
    assert_invalid(lambda: decode_position(cursor, moment="k", key="id", key_type=uuid.UUID))


@pytest.mark.parametrize(
    "payload",
    [
        {"s": "applications:approved", "k": AT, "id": ID.hex},  # another list's cursor
        {"k": AT, "id": ID.hex},  # no scope
        {"s": "applications:pending", "k": AT, "id": ID.hex, "x": 1},  # an extra field
    ],
)
def test_a_scoped_position_is_only_read_for_its_own_list(payload):
    cursor = encode_cursor(payload)
    assert_invalid(
        lambda: decode_position(
            cursor, moment="k", key="id", key_type=uuid.UUID, scope={"s": "applications:pending"}
        )
    )


def test_without_a_scope_other_fields_are_ignored():
    cursor = encode_cursor({"s": AT, "i": 7, "extra": "anything"})
    assert decode_position(cursor, moment="s", key="i", key_type=int)[1] == 7


def test_an_int_key_reads_as_int_does():
    # What int() accepts, as the pages read their cursors before there was one helper.
    assert cursor_key("7", int) == 7
    assert cursor_key(7, int) == 7


def test_a_uuid_key_is_read_from_its_text():
    assert cursor_key(ID.hex, uuid.UUID) == ID
    assert cursor_key(str(ID), uuid.UUID) == ID


def test_cursor_moment_keeps_the_offset():
    moment = cursor_moment("2030-05-06T09:08:09+02:00")
    assert moment == datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert moment.utcoffset() is not None


@pytest.mark.parametrize("value", [3, 0, 2**70])
def test_a_counter_is_a_json_integer(value):
    assert cursor_counter(value) == value


@pytest.mark.parametrize("value", ["3", 3.0, True, None, [3]])
def test_a_counter_that_is_not_a_json_integer_is_invalid(value):
    assert_invalid(lambda: cursor_counter(value))


def test_decode_cursor_reads_back_what_encode_cursor_wrote():
    payload = {"s": AT, "i": 3, "text": "ü\x00"}
    assert decode_cursor(encode_cursor(payload)) == json.loads(json.dumps(payload))
