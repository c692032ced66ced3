"""Consumption tax under the Qualified Invoice System (DESIGN.md §4).

On a document that serves as the invoice, tax is computed once per rate from the sum of that
rate's line amounts, with the supplier's rounding mode; never summed from per-line taxes.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tsunagu.core.money import round_money

RATES = (10, 8)


def amounts_by_rate(lines: Iterable[tuple[int, Decimal]]) -> dict[int, Decimal]:
    """{rate: Σ line amounts} for (rate, amount) pairs; every rate present, zero when unused."""
    totals = {rate: Decimal(0) for rate in RATES}
    for rate, amount in lines:
        totals[rate] = totals.get(rate, Decimal(0)) + amount
    return totals


def tax_by_rate(amounts: dict[int, Decimal], rounding: str) -> dict[int, Decimal]:
    """One rounding per rate: round(Σ amounts × rate) by the supplier's rule."""
    return {
        rate: round_money(amount * Decimal(rate) / Decimal(100), rounding)
        for rate, amount in amounts.items()
    }
