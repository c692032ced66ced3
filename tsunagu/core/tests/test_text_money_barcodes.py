from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.core.barcodes import jan_check_digit, validate_jan
from tsunagu.core.money import round_money
from tsunagu.core.text import normalize_code, normalize_number_text, search_key


def test_kana_in_any_form_gives_the_same_search_key() -> None:
    assert search_key("ｷｬﾍﾞﾂ") == search_key("きゃべつ") == search_key("キャベツ") == "キャベツ"
    assert search_key("ＡＢＣ　１２３") == search_key("abc 123") == "abc123"


def test_codes_and_numbers_typed_full_width() -> None:
    assert normalize_code(" Ｐ－００１ ") == "P-001"
    assert normalize_number_text("１，２００円") == "1200"
    assert normalize_number_text("¥12.5") == "12.5"


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("10.5", "down", "10"),
        ("10.5", "half_up", "11"),
        ("10.4", "half_up", "10"),
        ("10.1", "up", "11"),
        ("-10.5", "down", "-10"),
        ("-10.5", "half_up", "-11"),
    ],
)
def test_rounding_rules(value: str, mode: str, expected: str) -> None:
    assert round_money(Decimal(value), mode) == Decimal(expected)


def test_jan_codes() -> None:
    assert validate_jan("4901234567894") == "4901234567894"
    assert validate_jan("４９０１２３４５６７８９４") == "4901234567894"
    assert validate_jan("49123456") == "49123456"
    with pytest.raises(ValidationError) as error:
        validate_jan("4901234567890")
    assert error.value.code == "check_digit"
    with pytest.raises(ValidationError):
        validate_jan("12345")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_a_jan_made_with_its_check_digit_validates(body: str) -> None:
    code = body + str(jan_check_digit(body))
    assert validate_jan(code) == code
