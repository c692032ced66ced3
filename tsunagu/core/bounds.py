"""The smallest and largest numbers people may enter, one bound per meaning.

Forms, CSV imports (and later the API) check every number against one of these before anything
is saved, so that no value reaches a column it does not fit (a 23-digit price made every page
that reads it fail) or a calculation that overflows the next column (quantity × price goes into
a line amount of 14 digits). Each bound is far above anything real and well inside its column.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import BaseValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext, gettext_lazy


@dataclass(frozen=True)
class Bound:
    minimum: Decimal
    maximum: Decimal

    def problem(self, value: Decimal | int) -> str:
        """The message for a value outside the bound, or ""."""
        if self.minimum <= value <= self.maximum:
            return ""
        return gettext("Enter a number from %(minimum)s to %(maximum)s.") % {
            "minimum": number_text(self.minimum),
            "maximum": number_text(self.maximum),
        }

    def validators(self) -> list[Any]:
        return [Within(self)]


# More digits than any bound allows: such a text stands for "too large" without being read, as
# Python refuses to read a whole number of more than 4,300 digits (and reading it costs time).
_LONGEST_DIGITS = 30
TOO_LARGE = 10**_LONGEST_DIGITS


def whole(digits: str) -> int:
    """The value of a text of ASCII digits (already checked), or TOO_LARGE when it has more
    digits than any bound, so that the bound's check refuses it with its sentence."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= _LONGEST_DIGITS else TOO_LARGE


def number_text(value: Decimal | int) -> str:
    """9999999.99 → 9,999,999.99; 1 → 1."""
    number = Decimal(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,}"


@deconstructible
class Within(BaseValidator):
    """A form field's check against a Bound, with the same message as the CSV import."""

    message = gettext_lazy("Enter a number from %(minimum)s to %(maximum)s.")
    code = "out_of_bounds"

    def __init__(self, bound: Bound) -> None:
        super().__init__(bound)
        self.bound = bound

    def __call__(self, value: Any) -> None:
        if value is not None and self.bound.problem(value):
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "minimum": number_text(self.bound.minimum),
                    "maximum": number_text(self.bound.maximum),
                },
            )


def _bound(minimum: int | str, maximum: int | str) -> Bound:
    return Bound(Decimal(minimum), Decimal(maximum))


# A price of one piece (or one case) without tax: under ten million yen. DecimalField(12, 2).
UNIT_PRICE = _bound(0, "9999999.99")
# One amount of money in yen: a line, an order, a fee, a threshold, a payment. Under ten billion
# yen: a line of MAX pieces at the highest price fits a 14-digit amount, and so do the sums of
# documents; fees and thresholds are DecimalField(12, 0).
AMOUNT = _bound(0, 9_999_999_999)
PAYMENT = _bound(1, 9_999_999_999)
# How many of the line's unit (pieces or cases) one order line, a minimum or a lot may have.
QUANTITY = _bound(1, 999_999)
# Pieces in one case.
UNITS_PER_CASE = _bound(1, 9_999)
# Pieces of one line (quantity × units per case): fits a 32-bit integer column with room.
PIECES = _bound(1, 9_999_999)
# Pieces in stock (a supplier may record a shortfall as a negative number).
STOCK = _bound(-99_999_999, 99_999_999)
# A price group's rate in percent of the list price. DecimalField(5, 2).
RATE_PERCENT = _bound("0.01", 999)
# A column's position in an export profile.
COLUMN_POSITION = _bound(1, 999)
# A number in a supplier's own product field (stored as text in `extra`).
EXTRA_NUMBER = _bound(-999_999_999_999, 999_999_999_999)


def line_quantity_problem(quantity: int, units_per_case: int | None = None) -> str:
    """What is wrong with the quantity of an order line (in its unit; units_per_case for a case
    line), or "": both the quantity and the pieces it stands for are bounded, so that the line's
    amount fits whatever the price."""
    if problem := QUANTITY.problem(quantity):
        return problem
    pieces = quantity * (units_per_case or 1)
    if pieces > PIECES.maximum:
        return gettext(
            "This line would be %(pieces)s pieces; one line may have at most %(maximum)s."
        ) % {"pieces": number_text(pieces), "maximum": number_text(PIECES.maximum)}
    return ""
