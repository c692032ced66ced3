"""Marking an invoice paid records the payment of what is outstanding; payments that cover a
periodic invoice mark it paid (decision 0031)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.customers.models import Customer
from tsunagu.documents import payments, services
from tsunagu.documents.billing import run_billing
from tsunagu.documents.models import Document, DocumentStatus, Payment
from tsunagu.documents.payments import import_payments_csv, record_payment
from tsunagu.documents.services import CreditQuantity
from tsunagu.documents.tests.test_billing_run import (
    DEC_20,
    NOV_20,
    month_of_orders,
    order_for,
    product,
)
from tsunagu.ordering.models import Order

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))):
        yield


@pytest.fixture
def november(supplier: Organization, supplier_admin: Membership, sakura: Customer) -> Document:
    """The November periodic invoice: amount due 5,189 (see month_of_orders)."""
    month_of_orders(supplier_admin, sakura)
    ((invoice, _),) = run_billing(supplier, closing_date=NOV_20)
    assert invoice.amount_due == Decimal(5189)
    return invoice


def status_of(document: Document) -> str:
    document.refresh_from_db()
    return str(document.status)


def test_marking_a_periodic_invoice_paid_records_what_is_outstanding_once(
    supplier: Organization, supplier_admin: Membership, sakura: Customer, november: Document
) -> None:
    paid = services.mark_paid(november, actor=supplier_admin)
    again = services.mark_paid(november, actor=supplier_admin)

    assert paid.payment is not None
    assert (paid.payment.amount, paid.payment.received_on) == (Decimal(5189), TODAY)
    assert paid.payment.invoice == november
    assert (again.payment, status_of(november)) == (None, DocumentStatus.PAID)
    assert Payment.objects.count() == 1
    # The next periodic invoice counts it like any payment received in its period.
    ((december, _),) = run_billing(supplier, closing_date=DEC_20)
    assert (december.previous_balance, december.payments) == (Decimal(5189), Decimal(5189))
    assert december.amount_due == december.total
    entry = AuditEntry.objects.get(action="payment.recorded")
    assert entry.changes["invoice"] == november.number


def test_payments_already_recorded_are_not_recorded_again(
    supplier_admin: Membership, sakura: Customer, november: Document
) -> None:
    record_payment(sakura, actor=supplier_admin, received_on=date(2026, 12, 1), amount=Decimal(189))

    paid = services.mark_paid(november, actor=supplier_admin, received_on=date(2026, 12, 2))

    assert paid.payment is not None
    assert (paid.payment.amount, paid.payment.received_on) == (Decimal(5000), date(2026, 12, 2))
    assert payments.outstanding(november) == 0


def test_payments_that_cover_a_periodic_invoice_mark_it_paid(
    supplier_admin: Membership, sakura: Customer, november: Document
) -> None:
    first = record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 12, 1), amount=Decimal(5000)
    )
    assert (first.invoices_paid, status_of(november)) == ([], DocumentStatus.ISSUED)

    second = record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 12, 2), amount=Decimal(189)
    )

    assert second.invoices_paid == [november]
    assert status_of(november) == DocumentStatus.PAID
    # Marking it paid afterwards changes nothing and records nothing.
    assert services.mark_paid(november, actor=supplier_admin).payment is None
    assert Payment.objects.count() == 2


def test_paying_the_later_invoice_pays_the_earlier_balance_first(
    supplier: Organization, supplier_admin: Membership, sakura: Customer, november: Document
) -> None:
    with time_machine.travel(date(2026, 12, 21)):
        ((december, _),) = run_billing(supplier, closing_date=DEC_20)
    # December carries November's 5,189 and adds the 11-21 delivery (19,800 + 1,584).
    assert december.amount_due == Decimal(5189 + 19800 + 1584)

    with time_machine.travel(date(2026, 12, 22)):
        paid = services.mark_paid(december, actor=supplier_admin)

    assert paid.payment is not None
    assert paid.payment.amount == december.amount_due
    assert paid.also_paid == (november,)
    assert status_of(november) == status_of(december) == DocumentStatus.PAID


def test_a_per_order_invoice_is_paid_on_its_own_and_not_on_the_periodic_invoice(
    supplier: Organization, supplier_admin: Membership, sakura: Customer
) -> None:
    detergent = product(supplier, "N2", "980", 10)
    alone = order_for(supplier_admin, sakura, [(detergent, 3)], on=date(2026, 11, 25))
    invoice = services.issue_order_invoice(alone, actor=supplier_admin)
    # One of the three comes back: 2,940 + 294 → 1,960 + 196.
    services.issue_credit_note(
        invoice,
        actor=supplier_admin,
        lines=services.credit_lines(invoice, [CreditQuantity(0, 1)]),
        reason="返品",
    )

    paid = services.mark_paid(invoice, actor=supplier_admin)
    with time_machine.travel(date(2026, 12, 21)):
        ((december, _),) = run_billing(supplier, closing_date=DEC_20)

    assert paid.payment is not None
    assert (paid.payment.amount, paid.payment.invoice) == (Decimal(2156), invoice)
    assert payments.outstanding(invoice) == 0
    assert (december.total, december.payments, december.amount_due) == (0, 0, 0)


def test_a_per_order_invoice_paid_by_its_own_payment_leaves_periodic_invoices_alone(
    supplier_admin: Membership, sakura: Customer, november: Document, supplier: Organization
) -> None:
    detergent = product(supplier, "N9", "1000", 10)
    alone: Order = order_for(supplier_admin, sakura, [(detergent, 5)], on=date(2026, 11, 25))
    invoice = services.issue_order_invoice(alone, actor=supplier_admin)

    paid = services.mark_paid(invoice, actor=supplier_admin)

    # 5,500 received for the per-order invoice would cover November's 5,189 if it counted there.
    assert paid.also_paid == ()
    assert status_of(november) == DocumentStatus.ISSUED
    assert payments.outstanding(november) == Decimal(5189)


def test_a_date_inside_a_billed_period_is_refused_with_the_invoice_that_covers_it(
    supplier_admin: Membership, november: Document
) -> None:
    with pytest.raises(services.DocumentError, match=november.number):
        services.mark_paid(november, actor=supplier_admin, received_on=NOV_20)

    assert (status_of(november), Payment.objects.count()) == (DocumentStatus.ISSUED, 0)


# ---- pages -------------------------------------------------------------------------------------


def test_the_page_marks_paid_with_the_day_entered_and_says_what_it_recorded(
    supplier_client: Client, november: Document
) -> None:
    url = reverse("supplier-document-paid", args=[november.pk])

    response = supplier_client.post(url, {"received_on": "２０２６/１２/０２"})

    assert response.status_code == 302
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("5,189" in text and "2026-12-02" in text for text in texts)
    payment = Payment.objects.get()
    assert (payment.amount, payment.received_on) == (Decimal(5189), date(2026, 12, 2))
    assert status_of(november) == DocumentStatus.PAID


def test_the_page_refuses_a_day_not_come_yet_next_to_the_field_and_changes_nothing(
    supplier_client: Client, november: Document
) -> None:
    url = reverse("supplier-document-paid", args=[november.pk])

    response = supplier_client.post(url, {"received_on": "2026-12-04"})

    assert response.status_code == 400
    assert "2026-12-04" in response.context["paid_form"].errors["received_on"][0]
    assert (status_of(november), Payment.objects.count()) == (DocumentStatus.ISSUED, 0)


def test_the_page_shows_what_is_still_to_be_paid(
    supplier_client: Client, supplier_admin: Membership, sakura: Customer, november: Document
) -> None:
    record_payment(sakura, actor=supplier_admin, received_on=date(2026, 12, 1), amount=Decimal(189))

    response = supplier_client.get(reverse("supplier-document", args=[november.pk]))

    assert response.context["outstanding"] == Decimal(5000)
    assert "5,000" in response.content.decode()


def test_a_payment_entered_on_the_payments_page_tells_which_invoices_it_paid(
    supplier_client: Client, november: Document
) -> None:
    response = supplier_client.post(
        reverse("payment-list"),
        {"customer_code": "C001", "received_on": "2026-12-01", "amount": "5,189"},
        follow=True,
    )

    assert november.number in response.content.decode()
    assert status_of(november) == DocumentStatus.PAID


def test_imported_payments_that_cover_an_invoice_mark_it_paid(
    supplier: Organization, supplier_admin: Membership, november: Document
) -> None:
    data = "得意先コード,入金日,金額,備考\nC001,2026-12-01,5000,\nC001,2026-12-02,189,\n"

    result = import_payments_csv(supplier, data.encode(), actor=supplier_admin)

    assert result.applied
    assert result.invoices_paid == [november]
    assert status_of(november) == DocumentStatus.PAID


# ---- taking a payment back ----------------------------------------------------------------------


def test_a_mistyped_payment_is_taken_back_and_the_invoice_it_paid_is_unpaid_again(
    supplier_client: Client, supplier_admin: Membership, sakura: Customer, november: Document
) -> None:
    wrong = record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 12, 1), amount=Decimal(51890)
    )
    assert status_of(november) == DocumentStatus.PAID
    url = reverse("payment-cancel", args=[wrong.pk])
    assert "¥51,890" in supplier_client.get(url).content.decode()

    refused = supplier_client.post(url, {"reason": ""})
    assert refused.status_code == 400
    response = supplier_client.post(url, {"reason": "桁を間違えた"}, follow=True)

    page = response.content.decode()
    assert "入金 ¥51,890 を取り消しました" in page
    assert f"{november.number} は未入金に戻りました" in page
    assert not Payment.objects.filter(pk=wrong.pk).exists()
    assert status_of(november) == DocumentStatus.ISSUED
    entry = AuditEntry.objects.get(action="payment.cancelled")
    assert (entry.changes["amount"], entry.changes["reason"]) == ("51890", "桁を間違えた")
    assert AuditEntry.objects.filter(action="document.reopened").count() == 1


def test_a_payment_an_issued_periodic_invoice_counts_is_not_taken_back(
    supplier_admin: Membership, sakura: Customer, november: Document
) -> None:
    early = record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 12, 1), amount=Decimal(1000)
    )
    run_billing(supplier_admin.organization, closing_date=DEC_20)

    with pytest.raises(payments.PaymentRefusedError, match="P20261"):
        payments.cancel_payment(early, actor=supplier_admin, reason="誤り")

    assert Payment.objects.filter(pk=early.pk).exists()


def test_only_owners_and_admins_take_payments_back(
    supplier_member: Membership, supplier_admin: Membership, sakura: Customer
) -> None:
    payment = record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 12, 1), amount=Decimal(1000)
    )
    member = client_for(supplier_member)
    url = reverse("payment-cancel", args=[payment.pk])

    assert member.get(url).status_code == 403
    assert member.post(url, {"reason": "誤り"}).status_code == 403
    assert url not in member.get(reverse("payment-list")).content.decode()
    assert url in client_for(supplier_admin).get(reverse("payment-list")).content.decode()
    assert Payment.objects.filter(pk=payment.pk).exists()
