"""Credit notes (赤伝) in periodic billing (decision 0031): counted once, on the periodic invoice
whose period holds their date (or the next one when that period was already billed), lowering
the period's sales per rate; a per-order invoice's credit notes stay with that invoice."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.customers.models import Customer
from tsunagu.documents import billing, services
from tsunagu.documents.billing import run_billing
from tsunagu.documents.models import Document, DocumentStatus
from tsunagu.documents.services import CreditQuantity, DocumentError
from tsunagu.documents.tests.test_billing_run import (
    DEC_20,
    NOV_20,
    month_of_orders,
)
from tsunagu.ordering.models import Order

pytestmark = pytest.mark.django_db

JAN_20 = date(2027, 1, 20)


def take_back(
    original: Document, actor: Membership, *, on: date, index: int, quantity: int
) -> Document:
    """A credit note issued on `on` taking back `quantity` of the original's line `index`."""
    with time_machine.travel(on, tick=False):
        return services.issue_credit_note(
            original,
            actor=actor,
            lines=services.credit_lines(original, [CreditQuantity(index, quantity)]),
            reason="返品",
        )


def delivery_note(order: Order, actor: Membership, *, on: date) -> Document:
    with time_machine.travel(on, tick=False):
        return services.issue_delivery_note(order, actor=actor)


@pytest.fixture
def orders(supplier_admin: Membership, sakura: Customer) -> list[Order]:
    # 11-05: キャベツ 198×4 (8%), 洗剤 12.5×3 → 37 (10%), 業務用洗剤 980×2 (10%); 11-20: 米 1,980
    # (8%); 11-21: キャベツ 198×100 (8%). Nov 20 without corrections: 10% 1,997 (tax 199),
    # 8% 2,772 (tax 221), amount due 5,189.
    return month_of_orders(supplier_admin, sakura)


def test_a_credit_note_in_the_period_lowers_that_periods_sales_per_rate_with_tax_once(
    supplier: Organization, supplier_admin: Membership, orders: list[Order]
) -> None:
    note = delivery_note(orders[0], supplier_admin, on=date(2026, 11, 5))
    # One 業務用洗剤 (980, 10%) comes back on 11-10.
    credit = take_back(note, supplier_admin, on=date(2026, 11, 10), index=2, quantity=1)

    ((invoice, created),) = run_billing(supplier, closing_date=NOV_20)

    assert created
    assert (invoice.amount_10, invoice.amount_8) == (Decimal(1017), Decimal(2772))
    # One rounding of each rate's net sum: 1,017 × 10% = 101.7 → 101, 2,772 × 8% → 221.
    assert (invoice.tax_10, invoice.tax_8) == (Decimal(101), Decimal(221))
    assert invoice.amount_due == Decimal(1017 + 2772 + 101 + 221)
    assert list(invoice.credit_notes.all()) == [credit]
    credit_rows = [row for row in invoice.content["lines"] if row["order_number"] == credit.number]
    assert credit_rows == [
        {
            "delivered_on": "2026-11-10",
            "order_number": credit.number,
            "product_code": "N2",
            "product_name": "商品N2",
            "quantity": -1,
            "unit_label": "本",
            "unit_price": "980",
            "order_unit": "piece",
            "units_per_case": None,
            "pieces": -1,
            "price_per_unit": "980",
            "amount": "-980",
            "tax_rate": 10,
            "is_reduced_rate": False,
        }
    ]
    assert sum(Decimal(row["amount"]) for row in invoice.content["lines"]) == Decimal(1017 + 2772)


def test_a_credit_note_of_a_periodic_invoice_counts_in_the_next_period_and_the_balance_after(
    supplier: Organization, supplier_admin: Membership, sakura: Customer, orders: list[Order]
) -> None:
    ((november, _),) = run_billing(supplier, closing_date=NOV_20)
    # The 米 (8%, 1,980) of the November invoice is taken back on 12-01.
    rice = next(i for i, row in enumerate(november.content["lines"]) if row["product_code"] == "R1")
    credit = take_back(november, supplier_admin, on=date(2026, 12, 1), index=rice, quantity=1)

    ((december, _),) = run_billing(supplier, closing_date=DEC_20)
    ((january, _),) = run_billing(supplier, closing_date=JAN_20)

    # December: the 11-21 delivery (8%: 19,800) less the 米 taken back (−1,980).
    assert november.amount_due == Decimal(5189)
    assert december.previous_balance == Decimal(5189)
    assert (december.amount_10, december.amount_8) == (Decimal(0), Decimal(19800 - 1980))
    # The sales' tax once (19,800 × 8% = 1,584) plus the note's tax as it printed it (the
    # November 8% sum 2,772 → 792: 63 − 221 = −158), not 17,820 × 8% rounded again (1,425).
    assert credit.tax_8 == Decimal(-158)
    assert december.tax_8 == Decimal(1584 - 158)
    assert december.amount_due == Decimal(5189 + 17820 + 1426)
    assert list(december.credit_notes.all()) == [credit]
    # Later periods carry it in their previous balance, and do not count it again.
    assert january.previous_balance == december.amount_due
    assert (january.total, january.credit_notes.count()) == (0, 0)
    assert november.credit_notes.count() == 0


def test_a_credit_note_of_a_per_order_invoice_stays_with_that_invoice(
    supplier: Organization, supplier_admin: Membership, orders: list[Order]
) -> None:
    with time_machine.travel(date(2026, 11, 6), tick=False):
        per_order = services.issue_order_invoice(orders[0], actor=supplier_admin)
    take_back(per_order, supplier_admin, on=date(2026, 11, 10), index=2, quantity=1)

    ((invoice, _),) = run_billing(supplier, closing_date=NOV_20)

    # Only the 11-20 order (米 1,980, 8% → tax 158); the invoiced order and its correction are
    # settled on their own.
    assert (invoice.amount_10, invoice.amount_8, invoice.tax_8) == (0, 1980, 158)
    assert invoice.credit_notes.count() == 0
    assert invoice.amount_due == Decimal(1980 + 158)


def test_a_credit_note_issued_after_its_period_was_billed_goes_on_the_next_invoice_once(
    supplier: Organization, supplier_admin: Membership, orders: list[Order]
) -> None:
    note = delivery_note(orders[0], supplier_admin, on=date(2026, 11, 5))
    ((november, _),) = run_billing(supplier, closing_date=NOV_20)
    # Later on the closing day itself, after the run: its date is in a period already billed.
    credit = take_back(note, supplier_admin, on=NOV_20, index=2, quantity=1)

    ((again, created),) = run_billing(supplier, closing_date=NOV_20)
    ((december, _),) = run_billing(supplier, closing_date=DEC_20)

    assert (again.pk, created, again.amount_due) == (november.pk, False, Decimal(5189))
    assert list(december.credit_notes.all()) == [credit]
    assert december.amount_10 == Decimal(-980)
    assert december.tax_10 == Decimal(-98)
    assert december.amount_due == Decimal(5189 + 19800 + 1584 - 980 - 98)


def test_a_credit_note_from_before_the_first_billed_period_is_left_out(
    supplier: Organization, supplier_admin: Membership, sakura: Customer, orders: list[Order]
) -> None:
    # The 10-20 delivery (before the first period, 10-21 to 11-20) corrected the same day.
    note = delivery_note(orders[2], supplier_admin, on=date(2026, 10, 20))
    take_back(note, supplier_admin, on=date(2026, 10, 20), index=0, quantity=1)

    ((november, _),) = run_billing(supplier, closing_date=NOV_20)
    ((december, _),) = run_billing(supplier, closing_date=DEC_20)

    assert november.credit_notes.count() == december.credit_notes.count() == 0
    assert november.amount_due == Decimal(5189)


def test_voiding_the_invoice_frees_its_credit_notes_for_the_invoice_issued_again(
    supplier: Organization, supplier_admin: Membership, orders: list[Order]
) -> None:
    note = delivery_note(orders[0], supplier_admin, on=date(2026, 11, 5))
    credit = take_back(note, supplier_admin, on=date(2026, 11, 10), index=2, quantity=1)
    ((first, _),) = run_billing(supplier, closing_date=NOV_20)

    with pytest.raises(DocumentError, match=first.number):
        services.void_document(credit, actor=supplier_admin, reason="誤発行")
    services.void_document(first, actor=supplier_admin, reason="出し直し")
    ((second, created),) = run_billing(supplier, closing_date=NOV_20)

    assert created
    assert list(second.credit_notes.all()) == [credit]
    assert second.amount_due == first.amount_due
    # A credit note voided before the run is not counted.
    services.void_document(second, actor=supplier_admin, reason="出し直し")
    services.void_document(credit, actor=supplier_admin, reason="誤発行")
    ((third, _),) = run_billing(supplier, closing_date=NOV_20)
    assert (third.credit_notes.count(), third.amount_due) == (0, Decimal(5189))
    assert Document.objects.get(pk=credit.pk).status == DocumentStatus.VOID


def test_run_billing_json_reruns_print_the_same_figures_with_credit_notes(
    supplier: Organization, supplier_admin: Membership, orders: list[Order]
) -> None:
    note = delivery_note(orders[0], supplier_admin, on=date(2026, 11, 5))
    take_back(note, supplier_admin, on=date(2026, 11, 10), index=2, quantity=1)

    def run() -> dict[str, object]:
        out = StringIO()
        call_command(
            "run_billing",
            "--supplier",
            supplier.code,
            "--closing-date",
            "2026-11-20",
            "--json",
            stdout=out,
        )
        (line,) = out.getvalue().splitlines()
        return dict(json.loads(line))

    first, again = run(), run()

    assert (first["created"], again["created"]) == (True, False)
    assert {**first, "created": False} == again
    assert first["amount_by_rate"] == {"10": 1017, "8": 2772}
    assert first["tax_by_rate"] == {"10": 101, "8": 221}
    assert first["amount_due"] == 1017 + 2772 + 101 + 221


def test_the_plan_lists_the_credit_notes_it_counts(
    supplier: Organization, supplier_admin: Membership, sakura: Customer, orders: list[Order]
) -> None:
    note = delivery_note(orders[0], supplier_admin, on=date(2026, 11, 5))
    credit = take_back(note, supplier_admin, on=date(2026, 11, 10), index=0, quantity=2)

    plan = billing.plan_invoice(sakura, NOV_20)

    assert plan.credit_notes == [credit]
    assert [line.amount for line in plan.lines if line.order_number == credit.number] == [-396]


def test_the_pages_link_a_credit_note_and_the_periodic_invoice_that_counts_it(
    supplier: Organization, supplier_admin: Membership, supplier_client: Client, orders: list[Order]
) -> None:
    note = delivery_note(orders[0], supplier_admin, on=date(2026, 11, 5))
    credit = take_back(note, supplier_admin, on=date(2026, 11, 10), index=2, quantity=1)
    ((invoice, _),) = run_billing(supplier, closing_date=NOV_20)

    credit_page = supplier_client.get(reverse("supplier-document", args=[credit.pk]))
    invoice_page = supplier_client.get(reverse("supplier-document", args=[invoice.pk]))

    assert credit_page.status_code == invoice_page.status_code == 200
    assert reverse("supplier-document", args=[invoice.pk]) in credit_page.content.decode()
    assert reverse("supplier-document", args=[credit.pk]) in invoice_page.content.decode()
