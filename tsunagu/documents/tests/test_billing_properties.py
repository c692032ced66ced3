"""Properties of periodic billing over three closing dates with random corrections and payments
(decision 0031). PDF rendering is replaced by a stub: the PDFs are checked in test_pdf.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tsunagu.accounts.models import Membership, Organization
from tsunagu.core.money import round_money
from tsunagu.core.tax import amounts_by_rate, tax_by_rate
from tsunagu.customers.models import Customer
from tsunagu.documents import issuing, services
from tsunagu.documents.billing import run_billing
from tsunagu.documents.issuing import DocLine
from tsunagu.documents.models import Document, DocumentType
from tsunagu.documents.payments import record_payment
from tsunagu.documents.tests.test_billing_run import customer_of, order_for, product
from tsunagu.ordering.models import Order

pytestmark = pytest.mark.django_db

CLOSINGS = [date(2026, 10, 20), date(2026, 11, 20), date(2026, 12, 20), date(2027, 1, 20)]
# (period start, closing date) of the three invoices.
PERIODS = [(CLOSINGS[i] + timedelta(days=1), CLOSINGS[i + 1]) for i in range(3)]

# What a correction takes back: a delivery note's line, a per-order invoice's line, or a line of
# the previous periodic invoice.
KINDS = ("delivery_note", "per_order_invoice", "periodic_invoice")

corrections = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        # Day in the period (0 = its first day); -1 = the previous closing date, after its run.
        st.integers(min_value=-1, max_value=29),
        st.integers(min_value=0, max_value=9),  # line
        st.integers(min_value=1, max_value=7),  # quantity
    ),
    max_size=4,
)
payments = st.lists(
    st.tuples(st.integers(min_value=0, max_value=29), st.integers(min_value=1, max_value=30000)),
    max_size=3,
)


@pytest.fixture(autouse=True)
def _no_pdf() -> Iterator[None]:
    with mock.patch("tsunagu.documents.pdf_engine.html_to_pdf", return_value=b"%PDF-1.7 stub"):
        yield


@pytest.fixture
def sakura(supplier: Organization) -> Customer:
    return customer_of(supplier, "C001", closing_day=20)


@pytest.fixture
def orders(supplier_admin: Membership, sakura: Customer) -> list[Order]:
    """Deliveries in each of the three periods, at both rates and with a decimal unit price."""
    supplier = supplier_admin.organization
    cabbage = product(supplier, "V1", "198", 8, "玉")
    soap = product(supplier, "N1", "12.5", 10, "本")
    rice = product(supplier, "R1", "1980", 8, "袋")
    orders = [
        order_for(supplier_admin, sakura, [(cabbage, 4), (soap, 3)], on=date(2026, 11, 5)),
        order_for(supplier_admin, sakura, [(rice, 2)], on=date(2026, 11, 20)),
        order_for(supplier_admin, sakura, [(soap, 7), (rice, 1)], on=date(2026, 12, 1)),
    ]
    # Delivered on its day, in the third period: the goods cannot be marked arrived before then.
    with time_machine.travel(
        datetime(2027, 1, 10, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False
    ):
        orders.append(order_for(supplier_admin, sakura, [(cabbage, 9)], on=date(2027, 1, 10)))
    return orders


def _line(code: str, price: str, quantity: int, rate: int, rounding: str) -> DocLine:
    return DocLine(
        delivered_on=date(2026, 10, 25),
        order_number="S-000000",
        product_code=code,
        product_name=f"商品{code}",
        quantity=quantity,
        unit_label="個",
        unit_price=Decimal(price),
        amount=round_money(Decimal(price) * quantity, rounding),
        tax_rate=rate,
    )


@dataclass
class Step:
    corrections: list[tuple[str, int, int, int]]
    payments: list[tuple[int, int]]


class _RollbackError(Exception):
    pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rounding=st.sampled_from(["down", "half_up", "up"]),
    steps=st.lists(
        st.builds(Step, corrections=corrections, payments=payments), min_size=3, max_size=3
    ),
)
def test_each_invoice_reconciles_and_every_credit_note_counts_once(
    supplier: Organization,
    supplier_admin: Membership,
    sakura: Customer,
    orders: list[Order],
    rounding: str,
    steps: list[Step],
) -> None:
    def body() -> None:
        supplier.rounding = rounding
        supplier.save(update_fields=["rounding"])
        originals = {
            "delivery_note": _issue(
                supplier,
                sakura,
                DocumentType.DELIVERY_NOTE,
                [
                    _line("A", "12.5", 9, 10, rounding),
                    _line("B", "333", 5, 8, rounding),
                    _line("C", "0.7", 7, 8, rounding),
                ],
            ),
            "per_order_invoice": _issue(
                supplier,
                sakura,
                DocumentType.INVOICE,
                [_line("D", "1001", 4, 10, rounding), _line("E", "45.5", 3, 8, rounding)],
            ),
        }
        invoices: list[Document] = []
        all_payments = Decimal(0)
        all_notes: list[tuple[Document, str]] = []
        for k, step in enumerate(steps):
            start, end = PERIODS[k]
            notes: list[tuple[Document, str]] = []
            for kind, day, index, quantity in step.corrections:
                original = invoices[-1] if kind == "periodic_invoice" and invoices else None
                original = original or originals.get(kind)
                if original is None:
                    continue
                if day < 0 and k > 0:
                    on = start - timedelta(days=1)  # the previous closing date, after its run
                else:
                    on = min(start + timedelta(days=max(day, 0)), end)
                note = _correct(original, index, quantity, on, supplier_admin)
                if note is not None:
                    notes.append((note, kind))
            period_payments = Decimal(0)
            for day, amount in step.payments:
                record_payment(
                    sakura,
                    actor=supplier_admin,
                    received_on=min(start + timedelta(day), end),
                    amount=Decimal(amount),
                )
                period_payments += amount
            all_payments += period_payments

            ((invoice, created),) = run_billing(supplier, closing_date=end)

            assert created
            counted = [note for note, kind in notes if kind != "per_order_invoice"]
            all_notes.extend(notes)
            event(f"credit notes counted: {min(len(counted), 2)}")
            assert set(invoice.credit_notes.all()) == set(counted)
            delivered = [o for o in orders if start <= (o.delivery_date or date.min) <= end]
            expected_lines = [line for o in delivered for line in issuing.order_lines(o)] + [
                line for n in counted for line in _lines(n)
            ]
            amounts = amounts_by_rate((line.tax_rate, line.amount) for line in expected_lines)
            assert (invoice.amount_10, invoice.amount_8) == (amounts[10], amounts[8])
            stored_lines = invoice.content["lines"]
            assert (
                amounts_by_rate((row["tax_rate"], Decimal(row["amount"])) for row in stored_lines)
                == amounts
            )
            # The period's sales are taxed with one rounding per rate; each credit note counts
            # with the tax it printed, never rounded again (decision 0048-credit-note-rounding).
            note_amounts = {
                10: sum((n.amount_10 for n in counted), Decimal(0)),
                8: sum((n.amount_8 for n in counted), Decimal(0)),
            }
            note_taxes = {
                10: sum((n.tax_10 for n in counted), Decimal(0)),
                8: sum((n.tax_8 for n in counted), Decimal(0)),
            }
            sales = {rate: amounts[rate] - note_amounts[rate] for rate in (10, 8)}
            sales_tax = tax_by_rate(sales, rounding)
            assert {10: invoice.tax_10, 8: invoice.tax_8} == {
                rate: sales_tax[rate] + note_taxes[rate] for rate in (10, 8)
            }
            assert invoice.total == sum(amounts.values()) + invoice.tax_10 + invoice.tax_8
            # To the yen: the invoice is its sales with their tax plus every note as issued.
            assert invoice.total == (
                sum(sales.values()) + sum(sales_tax.values()) + sum(n.total for n in counted)
            )
            assert invoice.content["sales_tax_by_rate"] == {
                str(rate): str(sales_tax[rate]) for rate in (10, 8)
            }
            previous = invoices[-1].amount_due if invoices else Decimal(0)
            assert invoice.previous_balance == previous
            assert invoice.payments == period_payments
            assert invoice.amount_due == previous - period_payments + invoice.total
            invoices.append(invoice)

        # Every credit note of the periodic account on exactly one invoice; none of the
        # per-order invoice's on any; the balance telescopes.
        assert Document.objects.filter(doc_type=DocumentType.CREDIT_NOTE).count() == len(all_notes)
        for note, kind in all_notes:
            assert note.counted_on.count() == (0 if kind == "per_order_invoice" else 1)
        assert invoices[-1].amount_due == sum(i.total for i in invoices) - all_payments

    try:
        with transaction.atomic():
            body()
            raise _RollbackError
    except _RollbackError:
        pass


def _issue(
    supplier: Organization, customer: Customer, doc_type: str, lines: list[DocLine]
) -> Document:
    return issuing.issue(
        actor=None,
        supplier=supplier,
        customer=customer,
        doc_type=doc_type,
        lines=lines,
        issued_on=PERIODS[0][0],
    )


def _correct(
    original: Document, index: int, quantity: int, on: date, actor: Membership
) -> Document | None:
    """A credit note dated `on` taking back what it can of one of the original's lines."""
    rows = original.content["lines"]
    if not rows:
        return None
    index %= len(rows)
    taken = services.taken_by_line(original).get(index, (0, Decimal(0)))[0]
    left = int(rows[index]["quantity"]) - taken
    quantity = min(quantity, left)
    if quantity <= 0:
        return None
    lines = services.credit_lines(original, [services.CreditQuantity(index, quantity)])
    if lines[0].amount == 0:
        return None
    return issuing.issue(
        actor=actor,
        supplier=original.supplier,
        customer=original.customer,
        doc_type=DocumentType.CREDIT_NOTE,
        lines=lines,
        issued_on=on,
        original=original,
        reason="返品",
    )


def _lines(note: Document) -> list[DocLine]:
    return [DocLine.from_content(row) for row in note.content["lines"]]
