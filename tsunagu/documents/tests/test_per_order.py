from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Role
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.customers.models import MONTH_END, Customer
from tsunagu.documents import billing, per_order
from tsunagu.documents.models import Document, DocumentType
from tsunagu.documents.tests.factories import delivered_order
from tsunagu.ordering import services as ordering
from tsunagu.ordering.models import OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def per_delivery(customer: Customer) -> Customer:
    customer.billing_method = Customer.BillingMethod.PER_ORDER
    customer.save()
    return customer


def _invoices(order_number: str) -> list[Document]:
    return list(Document.objects.filter(orders__number=order_number, doc_type=DocumentType.INVOICE))


def test_delivering_an_order_of_a_per_delivery_customer_issues_its_invoice(
    supplier_admin: Membership,
    buyer_member: Membership,
    per_delivery: Customer,
    run_tasks: Callable[[], int],
) -> None:
    order = delivered_order(supplier_admin, buyer_member, per_delivery, status=OrderStatus.SHIPPED)
    run_tasks()
    assert _invoices(order.number) == []

    ordering.move_order(order, to_status=OrderStatus.DELIVERED, actor=supplier_admin)
    run_tasks()

    (invoice,) = _invoices(order.number)
    assert invoice.issued_by == supplier_admin.user
    assert invoice.due_date is not None
    assert invoice.is_qualified_invoice
    assert list(per_order.awaiting_invoice(supplier_admin.organization_id)) == []
    # The task run again (a retry) issues nothing more.
    assert per_order.issue_for_delivered(str(order.pk), str(supplier_admin.pk)) == "already issued"
    assert len(_invoices(order.number)) == 1


def test_a_customer_billed_by_closing_day_gets_no_invoice_on_delivery(
    supplier_admin: Membership,
    buyer_member: Membership,
    customer: Customer,
    run_tasks: Callable[[], int],
) -> None:
    order = delivered_order(supplier_admin, buyer_member, customer)
    run_tasks()

    assert _invoices(order.number) == []
    assert list(per_order.awaiting_invoice(supplier_admin.organization_id)) == []


def test_orders_delivered_before_the_switch_are_listed_and_issued_with_one_action(
    supplier_admin: Membership,
    buyer_member: Membership,
    customer: Customer,
    run_tasks: Callable[[], int],
) -> None:
    first = delivered_order(supplier_admin, buyer_member, customer)
    second = delivered_order(supplier_admin, buyer_member, customer)
    run_tasks()
    customer.billing_method = Customer.BillingMethod.PER_ORDER
    customer.save()

    awaiting = list(per_order.awaiting_invoice(supplier_admin.organization_id))
    assert {order.number for order in awaiting} == {first.number, second.number}

    result = per_order.issue_awaiting(supplier_admin.organization, actor=supplier_admin)

    assert len(result.issued) == 2
    assert (result.problems, result.remaining) == ([], 0)
    assert len(_invoices(first.number)) == len(_invoices(second.number)) == 1
    again = per_order.issue_awaiting(supplier_admin.organization, actor=supplier_admin)
    assert again.issued == []


def test_the_billing_page_lists_them_and_issues_them_with_one_button(
    supplier_admin: Membership,
    supplier_member: Membership,
    buyer_member: Membership,
    customer: Customer,
) -> None:
    order = delivered_order(supplier_admin, buyer_member, customer)
    customer.billing_method = Customer.BillingMethod.PER_ORDER
    customer.save()
    admin = client_for(supplier_admin)

    page = admin.get(reverse("billing")).content.decode()
    assert 'id="per-order-awaiting"' in page
    assert order.number in page

    response = admin.post(reverse("billing-per-order"), follow=True)

    (invoice,) = _invoices(order.number)
    page = response.content.decode()
    assert f"請求書を1件発行しました: {invoice.number}" in page
    assert 'id="per-order-awaiting"' not in page
    viewer = MembershipFactory.create(organization=supplier_admin.organization, role=Role.VIEWER)
    assert client_for(viewer).post(reverse("billing-per-order")).status_code == 403


def test_a_billing_run_leaves_per_delivery_customers_out(
    supplier_admin: Membership, per_delivery: Customer
) -> None:
    closing_date = date(2026, 4, 30)
    assert per_delivery.closing_day == MONTH_END

    result = billing.run_billing(supplier_admin.organization, closing_date=closing_date)

    assert (result.closing_customers, list(result)) == (0, [])
    with pytest.raises(billing.BillingError, match=r"都度請求|per delivery"):
        billing.run_billing(
            supplier_admin.organization, closing_date=closing_date, customer=per_delivery
        )
