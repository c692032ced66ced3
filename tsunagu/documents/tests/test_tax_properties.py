"""Properties of the figures, for random lines, rates and rounding modes (PDF rendering is
replaced by a stub here: the PDFs themselves are checked in test_pdf.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.accounts.models import Membership, Organization
from tsunagu.core.money import round_money
from tsunagu.customers.models import Customer
from tsunagu.documents import services
from tsunagu.documents.issuing import DocLine, issue
from tsunagu.documents.models import Document, DocumentType

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

roundings = st.sampled_from(["down", "half_up", "up"])
unit_prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
doc_lines = st.lists(
    st.tuples(st.sampled_from([10, 8]), unit_prices, st.integers(min_value=1, max_value=500)),
    min_size=1,
    max_size=25,
)


def _lines(rows: list[tuple[int, Decimal, int]], rounding: str) -> list[DocLine]:
    return [
        DocLine(
            delivered_on=date(2026, 4, 1),
            order_number="S-000001",
            product_code=f"P{index}",
            product_name=f"商品{index}",
            quantity=quantity,
            unit_label="個",
            unit_price=price,
            amount=round_money(price * quantity, rounding),
            tax_rate=rate,
        )
        for index, (rate, price, quantity) in enumerate(rows)
    ]


@pytest.fixture(autouse=True)
def _no_pdf() -> Iterator[None]:
    with mock.patch("tsunagu.documents.pdf_engine.html_to_pdf", return_value=b"%PDF-1.7 stub"):
        yield


class _RollbackError(Exception):
    pass


def _in_savepoint(body: object) -> None:
    """Run one example and roll it back, so examples do not see each other's documents."""
    try:
        with transaction.atomic():
            body()  # type: ignore[operator]
            raise _RollbackError
    except _RollbackError:
        pass


def _issue(supplier: Organization, customer: Customer, lines: list[DocLine], **kwargs: object):
    return issue(
        actor=None,
        supplier=supplier,
        customer=customer,
        doc_type=kwargs.pop("doc_type", DocumentType.INVOICE),  # type: ignore[arg-type]
        lines=lines,
        issued_on=date(2026, 4, 20),
        **kwargs,  # type: ignore[arg-type]
    )


@PROPERTY_SETTINGS
@given(rows=doc_lines, rounding=roundings)
def test_tax_per_rate_is_one_rounding_of_the_rates_sum(
    supplier: Organization, customer: Customer, rows: list[tuple[int, Decimal, int]], rounding: str
) -> None:
    def body() -> None:
        supplier.rounding = rounding
        supplier.save(update_fields=["rounding"])
        lines = _lines(rows, rounding)
        document = _issue(supplier, customer, lines)
        for rate, amount, tax in (
            (10, document.amount_10, document.tax_10),
            (8, document.amount_8, document.tax_8),
        ):
            expected_sum = sum((line.amount for line in lines if line.tax_rate == rate), Decimal(0))
            assert amount == expected_sum
            assert tax == round_money(expected_sum * rate / Decimal(100), rounding)

    _in_savepoint(body)


@PROPERTY_SETTINGS
@given(
    rows=doc_lines,
    rounding=roundings,
    previous=st.integers(min_value=0, max_value=10**8),
    paid=st.integers(min_value=0, max_value=10**8),
)
def test_totals_reconcile(
    supplier: Organization,
    customer: Customer,
    rows: list[tuple[int, Decimal, int]],
    rounding: str,
    previous: int,
    paid: int,
) -> None:
    def body() -> None:
        supplier.rounding = rounding
        supplier.save(update_fields=["rounding"])
        document = _issue(
            supplier,
            customer,
            _lines(rows, rounding),
            doc_type=DocumentType.PERIODIC_INVOICE,
            previous_balance=Decimal(previous),
            payments=Decimal(paid),
        )
        stored = Document.objects.get(pk=document.pk)
        content = stored.content
        assert stored.total == stored.amount_10 + stored.amount_8 + stored.tax_10 + stored.tax_8
        assert stored.amount_due == Decimal(previous - paid) + stored.total
        assert Decimal(content["total"]) == stored.total
        assert Decimal(content["amount_due"]) == stored.amount_due
        assert Decimal(content["subtotal"]) + Decimal(content["tax_total"]) == stored.total
        assert sum(Decimal(row["amount"]) for row in content["lines"]) == Decimal(
            content["subtotal"]
        )
        for rate in ("10", "8"):
            assert Decimal(content["total_by_rate"][rate]) == Decimal(
                content["amount_by_rate"][rate]
            ) + Decimal(content["tax_by_rate"][rate])

    _in_savepoint(body)


@PROPERTY_SETTINGS
@given(
    rows=doc_lines,
    rounding=roundings,
    takes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=24), st.integers(min_value=1, max_value=500)),
        min_size=1,
        max_size=2,
    ),
)
def test_the_original_and_its_credit_notes_net_to_the_correction(
    supplier: Organization,
    customer: Customer,
    supplier_admin: Membership,
    rows: list[tuple[int, Decimal, int]],
    rounding: str,
    takes: list[tuple[int, int]],
) -> None:
    def body() -> None:
        supplier.rounding = rounding
        supplier.save(update_fields=["rounding"])
        lines = _lines(rows, rounding)
        original = _issue(supplier, customer, lines)
        remaining = {index: line.quantity for index, line in enumerate(lines)}
        notes = []
        taken_once: list[tuple[int, int]] = []
        # One or two credit notes in a row, each taking back part of what is left.
        for index, wanted in takes:
            index %= len(lines)
            if remaining[index] == 0:
                continue
            quantity = min(wanted, remaining[index])
            credit = services.credit_lines(original, [services.CreditQuantity(index, quantity)])
            if credit[0].amount == 0:
                continue
            notes.append(
                services.issue_credit_note(
                    original, actor=supplier_admin, lines=credit, reason="返品"
                )
            )
            remaining[index] -= quantity
            taken_once.append((index, quantity))
        # The correction, line by line: what the notes left of each line. A line taken back
        # entirely is left at exactly zero; a single partial take is priced on its quantity.
        taken = services.taken_by_line(original)
        corrected = {10: Decimal(0), 8: Decimal(0)}
        for index, doc_line in enumerate(lines):
            quantity, amount = taken.get(index, (0, Decimal(0)))
            assert quantity == doc_line.quantity - remaining[index]
            left = doc_line.amount - amount
            assert 0 <= left <= doc_line.amount
            if remaining[index] == 0:
                assert left == 0
            elif [i for i, _q in taken_once].count(index) == 1:
                assert amount == round_money(doc_line.unit_price * quantity, rounding)
            corrected[doc_line.tax_rate] += left
        # What the original and its notes charge together, per rate, is that correction, with
        # tax rounded once on each rate's sum.
        net = {
            10: original.amount_10 + sum((n.amount_10 for n in notes), Decimal(0)),
            8: original.amount_8 + sum((n.amount_8 for n in notes), Decimal(0)),
        }
        net_tax = {
            10: original.tax_10 + sum((n.tax_10 for n in notes), Decimal(0)),
            8: original.tax_8 + sum((n.tax_8 for n in notes), Decimal(0)),
        }
        assert net == corrected
        for rate in (10, 8):
            assert net_tax[rate] == round_money(net[rate] * rate / Decimal(100), rounding)
        assert original.total + sum((n.total for n in notes), Decimal(0)) == sum(
            net.values(), Decimal(0)
        ) + sum(net_tax.values(), Decimal(0))

    _in_savepoint(body)
