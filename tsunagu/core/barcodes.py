"""JAN (EAN-13 / EAN-8) codes: 13 or 8 digits whose last digit is the check digit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tsunagu.core.text import normalize_code


def jan_check_digit(body: str) -> int:
    """Weights 3, 1, 3, 1 … from the digit next to the check digit leftwards."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def validate_jan(value: str) -> str:
    code = normalize_code(value)
    if not code.isdigit() or len(code) not in (8, 13):
        raise ValidationError(_("A JAN code has 8 or 13 digits."), code="format")
    if int(code[-1]) != jan_check_digit(code[:-1]):
        raise ValidationError(
            _("The check digit of this JAN code does not match. Check each digit."),
            code="check_digit",
        )
    return code
