"""Each bound fits the columns that hold its numbers, and says so in Japanese."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import CustomerPrice, PriceGroup, Product
from tsunagu.core import bounds
from tsunagu.customers.models import Customer
from tsunagu.documents.models import Payment
from tsunagu.ordering.models import OrderLine

INT32 = Decimal(2**31 - 1)  # PostgreSQL's integer: the smallest integer column we use

COLUMNS: list[tuple[bounds.Bound, models.Field]] = [
    (bounds.UNIT_PRICE, Product._meta.get_field("unit_price")),
    (bounds.UNIT_PRICE, CustomerPrice._meta.get_field("unit_price")),
    (bounds.UNIT_PRICE, OrderLine._meta.get_field("unit_price")),
    (bounds.AMOUNT, Customer._meta.get_field("minimum_order_amount")),
    (bounds.AMOUNT, Customer._meta.get_field("shipping_fee")),
    (bounds.AMOUNT, Customer._meta.get_field("free_shipping_threshold")),
    (bounds.AMOUNT, Organization._meta.get_field("approval_threshold")),
    (bounds.AMOUNT, OrderLine._meta.get_field("amount")),
    (bounds.PAYMENT, Payment._meta.get_field("amount")),
    (bounds.QUANTITY, Product._meta.get_field("min_quantity")),
    (bounds.QUANTITY, Product._meta.get_field("order_multiple")),
    (bounds.QUANTITY, OrderLine._meta.get_field("quantity")),
    (bounds.UNITS_PER_CASE, Product._meta.get_field("units_per_case")),
    (bounds.STOCK, Product._meta.get_field("stock")),
    (bounds.RATE_PERCENT, PriceGroup._meta.get_field("rate")),
]


def largest(field: models.Field) -> Decimal:
    if isinstance(field, models.DecimalField):
        assert field.max_digits is not None
        whole = field.max_digits - field.decimal_places
        return Decimal(10) ** whole - Decimal(10) ** -field.decimal_places
    return INT32


@pytest.mark.parametrize(("bound", "field"), COLUMNS, ids=[str(f) for _b, f in COLUMNS])
def test_every_bound_fits_its_column(bound: bounds.Bound, field: models.Field) -> None:
    assert -largest(field) <= bound.minimum
    assert bound.maximum <= largest(field)


def test_a_line_of_the_most_pieces_at_the_highest_price_fits_its_amount() -> None:
    top = bounds.PIECES.maximum * bounds.UNIT_PRICE.maximum

    assert top <= largest(OrderLine._meta.get_field("amount"))
    assert bounds.QUANTITY.maximum * bounds.UNITS_PER_CASE.maximum > bounds.PIECES.maximum, (
        "quantity × units per case can pass PIECES: a case line must be checked against it"
    )


def test_the_message_names_the_range_with_thousands_separators() -> None:
    with translation.override("ja"):
        assert bounds.UNIT_PRICE.problem(Decimal("1e400")) == (
            "0 から 9,999,999.99 までの数を入れてください。"
        )
        assert bounds.QUANTITY.problem(999_999) == ""
        with pytest.raises(ValidationError) as raised:
            bounds.Within(bounds.QUANTITY)(1_000_000)
        assert raised.value.messages == ["1 から 999,999 までの数を入れてください。"]


def test_a_case_line_is_bounded_by_its_pieces_too() -> None:
    with translation.override("ja"):
        assert bounds.line_quantity_problem(1000, 12) == ""
        assert bounds.line_quantity_problem(1_000_000) == (
            "1 から 999,999 までの数を入れてください。"
        )
        assert bounds.line_quantity_problem(999_999, 9_999) == (
            "この行は 9,998,990,001 個になります。1行は 9,999,999 個までです。"
        )
