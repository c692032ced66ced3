"""Qualified-invoice registration numbers (適格請求書発行事業者登録番号): "T" + 13 digits."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PATTERN = re.compile(r"T\d{13}")


def normalize_registration_number(value: str) -> str:
    """NFKC (full-width T１２… becomes T12…), upper case, without spaces and hyphens."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    return re.sub(r"[\s\-ー‐−]", "", text)


def corporate_check_digit(twelve_digits: str) -> int:
    """法人番号の検査用数字: 9 − (Σ Pn × Qn mod 9), Pn the n-th digit from the right, Qn 1 or 2."""
    total = sum(
        int(digit) * (1 if position % 2 else 2)
        for position, digit in enumerate(reversed(twelve_digits), start=1)
    )
    return 9 - total % 9


def passes_corporate_check(number: str) -> bool:
    """Whether a normalised number (T + 13 digits) has a valid corporate check digit. Numbers
    of individuals (個人事業者) are not corporate numbers and need not pass."""
    digits = number[1:]
    return int(digits[0]) == corporate_check_digit(digits[1:])


def validate_registration_number(value: str, *, is_corporation: bool) -> str:
    """Return the normalised number, or raise a ValidationError that says what is wrong."""
    number = normalize_registration_number(value)
    if not _PATTERN.fullmatch(number):
        raise ValidationError(
            _("Enter T followed by 13 digits, e.g. T1234567890123."), code="format"
        )
    if is_corporation and not passes_corporate_check(number):
        raise ValidationError(
            _("This number does not pass the corporate number check. Please check each digit."),
            code="check_digit",
        )
    return number
