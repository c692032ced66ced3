"""The buyer's pages do not ask the database once more for each row they show: the home's usual
and recent orders with their totals, orders waiting for approval and unread messages, and the
history's totals and unread marks; the cart's save writes only the lines that changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.ordering.models import CartLine, Order, OrderMessage, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.selectors import usual_amounts
from tsunagu.ordering.services import send_order
from tsunagu.ordering.tests.factories import buyer_admin, linked_customer
from tsunagu.ordering.tests.test_history import FRIDAY, NOW

pytestmark = pytest.mark.django_db


@time_machine.travel(NOW, tick=False)
def test_home_and_history_use_the_same_number_of_queries_for_2_and_12_orders(
    supplier: Organization, buyer: Organization
) -> None:
    admin = buyer_admin(buyer)
    customer, location = linked_customer(supplier, buyer)
    products = [
        ProductFactory.create(supplier=supplier, product_code=f"P{n}", unit_price=Decimal(100))
        for n in range(6)
    ]

    def place(n: int) -> None:
        # Every other order is much the same (a usual one); some wait for approval, and each has
        # an unread message from the supplier.
        lines = [LineRequest(products[n % 2], 2), LineRequest(products[2 + n % 4], 1 + n % 3)]
        order = send_order(
            admin,
            customer,
            location=location,
            lines=lines,
            delivery_date=FRIDAY,
            idempotency_key=f"k-{n}",
            now=NOW,
        ).order
        if n % 3 == 0:
            order.status = OrderStatus.PENDING_APPROVAL
            order.save(update_fields=["status"])
        OrderMessage.objects.create(
            supplier_id=supplier.pk, order=order, from_supplier=True, body=f"連絡 {n}"
        )

    client = client_for(admin)
    client.get(reverse("dashboard"))  # the session's own bookkeeping happens once

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    for n in range(2):
        place(n)
    home, history = count(reverse("buyer-home")), count(reverse("buyer-orders"))
    for n in range(2, 12):
        place(n)
    page = client.get(reverse("buyer-home")).content.decode()
    assert "waiting-approval" in page
    assert "unread-messages" in page

    assert count(reverse("buyer-home")) == home
    assert count(reverse("buyer-orders")) == history


@time_machine.travel(NOW, tick=False)
def test_the_order_page_reads_its_lines_and_its_supplier_once(
    supplier: Organization, buyer: Organization
) -> None:
    admin = buyer_admin(buyer)
    customer, location = linked_customer(supplier, buyer)
    products = [ProductFactory.create(supplier=supplier, product_code=f"P{n}") for n in range(3)]
    order = send_order(
        admin,
        customer,
        location=location,
        lines=[LineRequest(product, 2) for product in products],
        delivery_date=FRIDAY,
        idempotency_key="one",
        now=NOW,
    ).order
    client = client_for(admin)
    client.get(reverse("dashboard"))

    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("buyer-order-detail", args=[order.pk])).status_code == 200

    reads = [q["sql"] for q in context.captured_queries if q["sql"].startswith("SELECT")]
    assert len([sql for sql in reads if 'FROM "ordering_orderline"' in sql]) == 1
    organizations = [sql for sql in reads if 'FROM "accounts_organization"' in sql]
    assert not [sql for sql in organizations if str(supplier.pk).replace("-", "") in sql]


def test_saving_the_cart_writes_only_the_lines_that_changed(
    supplier: Organization, buyer: Organization, buyer_member: Membership
) -> None:
    linked_customer(supplier, buyer)
    client = client_for(buyer_member)
    for n in range(4):
        product = ProductFactory.create(supplier=supplier, product_code=f"P{n}")
        client.post(
            reverse("buyer-cart-add", args=["test-supplier"]),
            {"product": product.pk, "quantity": "2", "unit": "piece"},
        )
    lines = list(CartLine.objects.order_by("created_at"))
    fields = {
        "line_cart": [str(line.pk) for line in lines],
        "line_quantity": ["2", "5", "2", "2"],
        "line_unit": ["piece"] * 4,
        "line_note": ["", "", "", ""],
    }

    with CaptureQueriesContext(connection) as context:
        response = client.post(
            reverse("buyer-cart-update", args=["test-supplier"]),
            fields,
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200
    assert sorted(CartLine.objects.values_list("quantity", flat=True)) == [2, 2, 2, 5]
    writes = [
        q["sql"] for q in context.captured_queries if 'UPDATE "ordering_cartline"' in q["sql"]
    ]
    assert len(writes) == 1
    assert str(lines[1].pk).replace("-", "") in writes[0]
    # Its shape before, read to save it, the changed line locked, read again to be shown (and
    # its shape after from that).
    reads = [
        q["sql"]
        for q in context.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "ordering_cartline"' in q["sql"]
    ]
    assert len(reads) == 4


def test_the_usual_amounts_are_the_medians_of_the_last_ten_lines_and_orders(
    supplier: Organization, buyer: Organization
) -> None:
    admin = buyer_admin(buyer)
    customer, location = linked_customer(supplier, buyer)
    cabbage, onion, rare = (
        ProductFactory.create(supplier=supplier, product_code=code, unit_price=Decimal(100))
        for code in ("V1", "V2", "V3")
    )
    sake = ProductFactory.create(
        supplier=supplier,
        product_code="D1",
        unit_price=Decimal(100),
        units_per_case=6,
        sold_by_case=True,
    )
    # Fifteen old orders of 90 cabbages, then ten of 3 to 7: only the last ten lines count. The
    # onion is in each of the last ten orders too, so the cabbage's ten are not the onion's.
    for n in range(25):
        lines = [LineRequest(cabbage, 90 if n < 15 else 3 + n % 5)]
        if n >= 15:
            lines.append(LineRequest(onion, 2))
        if n == 0:
            lines += [LineRequest(rare, 4), LineRequest(sake, 2, "case")]
        order = send_order(
            admin,
            customer,
            location=location,
            lines=lines,
            delivery_date=FRIDAY,
            idempotency_key=f"u-{n}",
            now=NOW,
        ).order
        Order.objects.filter(pk=order.pk).update(ordered_at=NOW - timedelta(days=25 - n))

    usual = usual_amounts(admin, customer, [cabbage.pk, onion.pk, rare.pk, sake.pk])

    assert usual.pieces == {cabbage.pk: 5, onion.pk: 2, rare.pk: 4, sake.pk: 12}
    assert usual.subtotal == Decimal(700)  # the last ten orders: 500 to 900, median 700
