"""Issuing a document: number it, freeze its content, render and store its PDF (being written).

The interface other modules use:

    issue(
        *,
        actor: Membership | None,          # None for commands and background runs
        supplier: Organization,
        customer: Customer,
        doc_type: DocumentType,
        lines: list[DocLine],
        issued_on: date,
        orders: list[Order] = (),
        period: tuple[date, date] | None = None,   # (start exclusive-previous-closing+1, end)
        due_date: date | None = None,
        previous_balance: Decimal = 0, payments: Decimal = 0,
        original: Document | None = None,          # for credit notes
    ) -> Document

It computes amounts per rate and tax once per rate (tsunagu.core.tax), total = Σ amounts + Σ tax,
amount_due = previous_balance - payments + total, takes the next number under the sequence's row
lock, stores the frozen content, renders the PDF, encrypts it, records its SHA-256 and an audit
entry, all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class DocLine:
    """One line as it will be printed and frozen."""

    delivered_on: date | None
    order_number: str
    product_code: str
    product_name: str
    quantity: int
    unit_label: str
    unit_price: Decimal
    amount: Decimal  # whole yen, already rounded by the supplier's rule
    tax_rate: int  # 10 or 8
