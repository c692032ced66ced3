"""The amounts a buyer sees: subtotal, consumption tax per rate and the tax-included total.

Tax is computed once per rate from the sum of that rate's amounts with the supplier's rounding,
as the invoice will compute it (DESIGN.md §4). The shipping fee is a 10% line, as on documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tsunagu.core.tax import tax_by_rate

SHIPPING_FEE_RATE = 10


@dataclass(frozen=True)
class RateTotal:
    rate: int
    amount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping_fee: Decimal
    rates: list[RateTotal]
    tax: Decimal
    total: Decimal


def totals_of(
    lines: Iterable[tuple[int, Decimal]], *, shipping_fee: Decimal, rounding: str
) -> Totals:
    """`lines` are (tax rate, amount) pairs; the rates used come highest first."""
    amounts: dict[int, Decimal] = {}
    subtotal = Decimal(0)
    for rate, amount in lines:
        amounts[rate] = amounts.get(rate, Decimal(0)) + amount
        subtotal += amount
    if shipping_fee:
        amounts[SHIPPING_FEE_RATE] = amounts.get(SHIPPING_FEE_RATE, Decimal(0)) + shipping_fee
    taxes = tax_by_rate(amounts, rounding)
    rates = [RateTotal(rate, amounts[rate], taxes[rate]) for rate in sorted(amounts, reverse=True)]
    tax = sum((r.tax for r in rates), Decimal(0))
    return Totals(subtotal, shipping_fee, rates, tax, subtotal + shipping_fee + tax)


def order_totals(order: object) -> Totals:
    """The totals of a recorded order from its lines (prefetched where a list shows many)."""
    lines = order.lines.all()  # type: ignore[attr-defined]
    return totals_of(
        ((line.tax_rate, line.amount) for line in lines),
        shipping_fee=order.shipping_fee,  # type: ignore[attr-defined]
        rounding=order.supplier.rounding,  # type: ignore[attr-defined]
    )
