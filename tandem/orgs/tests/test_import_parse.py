"""The CSV import's reading and row checks (participants/imports.py): encodings, binary files,
headers, line numbers, and every kind of bad row. No database."""

from __future__ import annotations

import codecs

import pytest

from tandem.orgs.participants.imports import (
    MAX_BYTES,
    MAX_ROWS,
    FileRefused,
    check_rows,
    decode,
    read_upload,
)


def rows_of(data: bytes, existing: dict[str, str] | None = None):
    text, _ = decode(data)
    return check_rows(text, existing=existing or {})


def codes(checked) -> list[tuple[int, str]]:
    return [(e.line, e.code) for e in checked.errors]


def test_utf8_with_header_windows_line_endings_and_a_bom():
    data = codecs.BOM_UTF8 + "email,name\r\nann@northwind.example,Ann Lée\r\n".encode()
    text, encoding = decode(data)
    assert encoding == "utf-8"
    checked = check_rows(text, existing={})
    assert checked.errors == []
    assert checked.header is True
    assert checked.rows == [(2, "ann@northwind.example", "Ann Lée")]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files(codec):
    body = "email\tname\r\nzoe@northwind.example\tZoë Ørsted\r\nraj@northwind.example\tRaj\r\n"
    # "utf-16"/"utf-32" write a BOM; "-le"/"-be" none (recognised by the zero bytes).
    checked = rows_of(body.encode(codec))
    assert checked.errors == []
    assert [r[1:] for r in checked.rows] == [
        ("zoe@northwind.example", "Zoë Ørsted"),
        ("raj@northwind.example", "Raj"),
    ]


def test_latin1_and_windows_1252_fall_back():
    data = "ann@northwind.example;Ann Müller – HR\n".encode("cp1252")
    text, encoding = decode(data)
    assert encoding == "cp1252"
    assert check_rows(text, existing={}).rows == [(1, "ann@northwind.example", "Ann Müller – HR")]
    # Latin-1 letters read the same in Windows-1252; the bytes neither defines are control
    # characters in Latin-1: not text.
    text, _ = decode("ann@northwind.example,Ann Müller ÿ\n".encode("latin-1"))
    assert "Müller ÿ" in text
    with pytest.raises(FileRefused):
        decode(b"ann@northwind.example,Ann M\xfcller\x81\n")


def test_no_header_columns_are_email_then_name_and_old_mac_line_endings():
    checked = rows_of(b"ann@northwind.example,Ann\rraj@northwind.example\r")
    assert checked.header is False
    assert checked.rows == [(1, "ann@northwind.example", "Ann"), (2, "raj@northwind.example", "")]


def test_header_in_another_order_and_a_quoted_name_with_a_comma():
    checked = rows_of(b'Name,E-mail\n"Patel, Raj",RAJ@Northwind.example\n')
    assert checked.rows == [(2, "raj@northwind.example", "Patel, Raj")]


def test_bad_rows_each_with_its_line_number():
    data = (
        b"email,name\n"  # 1
        b"ann@northwind.example,Ann\n"  # 2
        b"not-an-email,Bob\n"  # 3
        b"\n"  # 4: empty, skipped
        b"ANN@northwind.example,Ann again\n"  # 5: duplicate of line 2
        b'eve@northwind.example,"=HYPERLINK(""http://evil.example"",""x"")"\n'  # 6
        b"mal@northwind.example,+cmd\n"  # 7
        b"dan@northwind.example,-2+3\n"  # 8
        b"sam@northwind.example,@SUM(A1)\n"  # 9
        b"=1+2,Formula\n"  # 10
        b"kim@northwind.example,Kim,extra\n"  # 11
        b",Nobody\n"  # 12
        b"old@northwind.example,Old\n"  # 13: already invited
        b"back@northwind.example,Back\n"  # 14: removed earlier: may be invited again
        b" , \n"  # 15: blank cells: skipped
    )
    checked = rows_of(
        data, existing={"old@northwind.example": "invited", "back@northwind.example": "removed"}
    )
    assert codes(checked) == [
        (3, "invalid_email"),
        (5, "duplicate"),
        (6, "formula"),
        (7, "formula"),
        (8, "formula"),
        (9, "formula"),
        (10, "formula"),
        (11, "too_many_columns"),
        (12, "no_email"),
        (13, "already_in_programme"),
    ]
    messages = {e.line: e.message for e in checked.errors}
    assert "line 2" in messages[5]
    assert "formula" in messages[6]
    assert "invited" in messages[13]
    assert checked.skipped == 2
    assert [r[0] for r in checked.rows] == [2, 14]


def test_a_quoted_name_over_two_lines_keeps_the_next_rows_line_numbers_right():
    checked = rows_of(b'ann@northwind.example,"Ann\nLee"\nbad,Bob\n')
    assert checked.rows == [(1, "ann@northwind.example", "Ann Lee")]
    assert codes(checked) == [(3, "invalid_email")]


def test_trailing_empty_cells_are_fine_but_long_names_are_not():
    checked = rows_of(b"ann@northwind.example,Ann,,\nraj@northwind.example," + b"r" * 151 + b"\n")
    assert codes(checked) == [(2, "name_too_long")]


def test_unknown_header_column_and_header_without_email():
    assert codes(rows_of(b"email,name,department\na@northwind.example,A,HR\n")) == [
        (1, "unknown_column")
    ]
    assert codes(rows_of(b"Ann Lee\nRaj\n")) == [(1, "no_email_column")]


def test_ten_thousand_rows_are_fine_and_one_more_is_refused():
    body = "".join(f"p{i}@northwind.example,Person {i}\n" for i in range(MAX_ROWS))
    checked = rows_of(("email,name\n" + body).encode())
    assert checked.errors == [] and len(checked.rows) == MAX_ROWS
    over = rows_of((body + "last@northwind.example\n").encode())
    assert codes(over) == [(MAX_ROWS + 1, "too_many_rows")]


def test_ten_thousand_rows_with_one_bad_row_at_the_end():
    body = "".join(f"p{i}@northwind.example\n" for i in range(MAX_ROWS - 1)) + "oops\n"
    checked = rows_of(body.encode())
    assert codes(checked) == [(MAX_ROWS, "invalid_email")]


def test_a_header_only_file_has_nobody_to_invite():
    assert codes(rows_of(b"email,name\r\n\r\n")) == [(0, "no_rows")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "import_file_empty"),
        (b"\r\n\r\n  ", "import_file_empty"),
        (codecs.BOM_UTF8, "import_file_empty"),
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-an-xlsx", "import_not_csv"),
        (b"%PDF-1.7\n...", "import_not_csv"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "import_not_csv"),
        (bytes(range(256)) * 4, "import_not_csv"),
        (b"ann@northwind.example\x00\x01\x02\x03,Ann\n", "import_not_csv"),
        (b"ann@northwind.example,Ann\x07\n", "import_not_csv"),
    ],
)
def test_empty_and_binary_files_are_refused(data, code):
    with pytest.raises(FileRefused) as caught:
        decode(data)
    assert caught.value.code == code
    assert caught.value.fields == {"file": [caught.value.message]}


def test_size_limit_is_checked_before_reading_it_all():
    class Big:
        size = MAX_BYTES + 1

        def read(self, n):  # pragma: no cover - must not be called
            raise AssertionError("read past the limit")

    with pytest.raises(FileRefused) as caught:
        read_upload(Big())
    assert caught.value.code == "import_file_too_large"

    import io

    with pytest.raises(FileRefused):
        read_upload(io.BytesIO(b"a" * (MAX_BYTES + 1)))
    assert read_upload(io.BytesIO(b"a@b.example\n")) == b"a@b.example\n"
