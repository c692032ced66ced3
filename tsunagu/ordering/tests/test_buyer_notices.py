"""Who hears about a proxy-entered order's moves: the buyer's people, the customer's address,
or nobody (and the supplier is told so)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering import services
from tsunagu.ordering.models import Order, OrderStatus
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db


def _proxy_order(supplier_client: Client, customer: Customer, key: str) -> Order:
    if not Product.objects.filter(supplier=customer.supplier, product_code="V1").exists():
        ProductFactory.create(
            supplier=customer.supplier, product_code="V1", unit_price=Decimal(100)
        )
    response = supplier_client.post(
        reverse("supplier-order-new"),
        {
            "customer": customer.customer_code,
            "channel": "phone",
            "lines": "V1 2",
            "idempotency_key": key,
            "confirm_overrides": "1",
            "override_reason": "電話で確認",
        },
    )
    assert response.status_code == 302, response.content.decode()
    return Order.objects.get(idempotency_key=key)


def _move(supplier_client: Client, order: Order, to_status: str, **extra: str) -> str:
    response = supplier_client.post(
        reverse("supplier-order-move", args=[order.pk]),
        {"to_status": to_status, **extra},
        follow=True,
    )
    return response.content.decode()


def test_the_buyers_people_hear_of_a_proxy_order_accepted_shipped_and_cancelled(
    supplier_client: Client, supplier: Organization, buyer: Organization, buyer_member: Membership
) -> None:
    boss = MembershipFactory.create(organization=buyer, role=Role.ADMIN, user__email="boss@b.test")
    MembershipFactory.create(organization=buyer, role=Role.VIEWER, user__email="view@b.test")
    customer, _location = linked_customer(supplier, buyer, customer_code="C1")
    order = _proxy_order(supplier_client, customer, "p-1")
    OutboxMessage.objects.all().delete()

    page = _move(supplier_client, order, OrderStatus.ACCEPTED)

    assert "得意先にもお知らせしました" in page
    told = set(
        OutboxMessage.objects.filter(subject__contains="受注確定").values_list("to", flat=True)
    )
    assert told == {buyer_member.user.email, boss.user.email}
    _move(supplier_client, order, OrderStatus.SHIPPED)
    assert set(
        OutboxMessage.objects.filter(subject__contains="出荷済").values_list("to", flat=True)
    ) == {buyer_member.user.email, boss.user.email}

    second = _proxy_order(supplier_client, customer, "p-2")
    _move(supplier_client, second, OrderStatus.CANCELLED, note="在庫切れ")
    cancelled = OutboxMessage.objects.filter(subject__contains="キャンセル")
    assert {m.to for m in cancelled} == {buyer_member.user.email, boss.user.email}
    assert "在庫切れ" in cancelled.first().body_text  # type: ignore[union-attr]


def test_a_customer_without_a_login_is_mailed_at_its_address(
    supplier_client: Client, supplier: Organization
) -> None:
    customer = CustomerFactory.create(supplier=supplier, customer_code="F1", email="fax@shop.test")
    Location.objects.create(supplier=supplier, customer=customer, name="本店", is_default=True)
    order = _proxy_order(supplier_client, customer, "p-3")
    OutboxMessage.objects.all().delete()

    page = _move(supplier_client, order, OrderStatus.ACCEPTED)

    assert "得意先にもお知らせしました" in page
    mail = OutboxMessage.objects.get()
    assert mail.to == "fax@shop.test"
    assert "受注確定" in mail.subject
    # No login: no link to a page the customer cannot open.
    assert "/buyer/orders/" not in mail.body_text


def test_nobody_to_tell_is_said_truthfully(supplier_client: Client, supplier: Organization) -> None:
    customer = CustomerFactory.create(supplier=supplier, customer_code="F2", email="")
    Location.objects.create(supplier=supplier, customer=customer, name="本店", is_default=True)
    order = _proxy_order(supplier_client, customer, "p-4")
    OutboxMessage.objects.exclude(to__endswith="supplier.test").delete()
    before = OutboxMessage.objects.count()

    page = _move(supplier_client, order, OrderStatus.ACCEPTED)

    assert "得意先にもお知らせしました" not in page
    assert "得意先にはメールで知らせていません" in page
    assert OutboxMessage.objects.count() == before


def test_the_recipients_of_a_web_order_are_the_person_who_placed_it(
    supplier: Organization, buyer: Organization, buyer_member: Membership
) -> None:
    MembershipFactory.create(organization=buyer, role=Role.ADMIN, user__email="boss@b.test")
    customer, location = linked_customer(supplier, buyer)
    order = Order(
        supplier=supplier,
        buyer=buyer,
        customer=customer,
        location=location,
        placed_by=buyer_member.user,
        entered_by_supplier=False,
    )

    assert services.buyer_recipients(order) == [buyer_member.user.email]
