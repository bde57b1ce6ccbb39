"""Gift card codes: generation, grouping, normalisation and the mod-37 check symbol."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core.errors import InvalidInput, NotFound
from tandem.payments.giftcards import codes as gift_codes

bodies = st.text(
    alphabet=gift_codes.ALPHABET, min_size=gift_codes.CODE_SYMBOLS, max_size=gift_codes.CODE_SYMBOLS
)


def _code(body: str) -> str:
    return body + gift_codes.check_symbol(body)


def _rejected(text: str) -> bool:
    try:
        gift_codes.normalise_code(text)
    except InvalidInput as exc:
        assert exc.code == "invalid_gift_card_code"
        return True
    return False


def test_generated_codes_are_valid_and_plain() -> None:
    for _ in range(200):
        code = gift_codes.generate_code()
        assert len(code) == 17
        assert set(code) <= set(gift_codes.ALPHABET)  # the check symbol is never one of *~$=U
        assert gift_codes.normalise_code(code) == code


def test_grouping_and_masking() -> None:
    code = _code("0123456789ABCDEF")
    grouped = gift_codes.format_code(code)
    assert grouped == f"0123-4567-89AB-CDEF-{code[-1]}"
    assert gift_codes.masked_code(gift_codes.last4(code)) == f"••••-••••-••••-•DEF-{code[-1]}"
    assert gift_codes.last4(code) == "DEF" + code[-1]


def test_crockford_check_symbol_known_values() -> None:
    # The value read as a base-32 number, mod 37: "0" -> 0, "Z" (31) -> 31, "10" (32) -> "*".
    assert gift_codes.check_symbol("0") == "0"
    assert gift_codes.check_symbol("Z") == "Z"
    assert gift_codes.check_symbol("10") == "*"
    assert gift_codes.check_symbol("14") == "U"  # 36


@settings(deadline=None)  # no timings: loaded CI machines vary
@given(bodies)
def test_normalise_accepts_how_people_type(body: str) -> None:
    code = _code(body)
    sloppy = " ".join(gift_codes.format_code(code).lower().split("-")) + " "
    sloppy = sloppy.replace("0", "o").replace("1", "l")
    assert gift_codes.normalise_code(sloppy) == code
    assert gift_codes.normalise_code(gift_codes.format_code(code).replace("1", "I")) == code


@settings(deadline=None)  # no timings: loaded CI machines vary
@given(bodies, st.data())
def test_every_single_symbol_typo_is_caught(body: str, data: st.DataObject) -> None:
    code = _code(body)
    position = data.draw(st.integers(0, len(code) - 1))
    replacement = data.draw(
        st.sampled_from(gift_codes.CHECK_ALPHABET).filter(lambda s: s != code[position])
    )
    typo = code[:position] + replacement + code[position + 1 :]
    assert _rejected(typo)


@settings(deadline=None)  # no timings: loaded CI machines vary
@given(bodies)
def test_every_single_symbol_typo_is_caught_exhaustively(body: str) -> None:
    code = _code(body)
    for position in range(len(code)):
        for replacement in gift_codes.CHECK_ALPHABET:
            if replacement != code[position]:
                assert _rejected(code[:position] + replacement + code[position + 1 :])


@settings(deadline=None)  # no timings: loaded CI machines vary
@given(bodies)
def test_every_adjacent_transposition_is_caught(body: str) -> None:
    code = _code(body)
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert _rejected(swapped), (code, i)


@settings(deadline=None)  # no timings: loaded CI machines vary
@given(bodies)
def test_a_missing_or_extra_symbol_is_caught(body: str) -> None:
    code = _code(body)
    assert _rejected(code[:-1])
    assert _rejected(code[1:])
    assert _rejected(code + "0")


@pytest.mark.parametrize(
    "text", ["", "   ", "X" * 65, "ABCD\x00EFGH", "ÄBCD-EFGH-JKMN-PQRS-T", None, 12345, ["a"]]
)
def test_garbage_is_invalid(text: object) -> None:
    assert _rejected(text)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_wrong_check_symbol_is_refused_before_any_query(django_assert_num_queries) -> None:
    code = gift_codes.generate_code()
    wrong = code[:-1] + next(s for s in gift_codes.ALPHABET if s != code[-1])
    with django_assert_num_queries(0), pytest.raises(InvalidInput) as caught:
        gift_codes.find_card(wrong)
    assert caught.value.code == "invalid_gift_card_code"


@pytest.mark.django_db
def test_unknown_valid_code_is_not_found() -> None:
    with pytest.raises(NotFound):
        gift_codes.find_card(gift_codes.generate_code())
