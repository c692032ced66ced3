from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.core.registration import (
    corporate_check_digit,
    normalize_registration_number,
    validate_registration_number,
)

# 国税庁 (National Tax Agency) corporate number, published: 7000012050002.
NTA = "T7000012050002"


def test_full_width_and_hyphens_are_normalised() -> None:
    assert normalize_registration_number("ｔ７０００－０１２０ ５０００２") == NTA
    assert validate_registration_number("Ｔ7000012050002", is_corporation=True) == NTA


def test_a_wrong_check_digit_is_refused_for_a_corporation_only() -> None:
    wrong = "T8000012050002"

    with pytest.raises(ValidationError) as error:
        validate_registration_number(wrong, is_corporation=True)
    assert error.value.code == "check_digit"
    assert validate_registration_number(wrong, is_corporation=False) == wrong


@pytest.mark.parametrize(
    "value", ["7000012050002", "T700001205000", "T70000120500021", "X7000012050002"]
)
def test_anything_but_t_and_13_digits_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_registration_number(value, is_corporation=False)
    assert error.value.code == "format"


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_a_number_made_with_its_check_digit_always_validates(twelve: str) -> None:
    check = corporate_check_digit(twelve)

    assert 1 <= check <= 9
    number = f"T{check}{twelve}"
    assert validate_registration_number(number, is_corporation=True) == number
