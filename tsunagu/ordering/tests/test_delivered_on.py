"""Marking an order delivered asks the day the goods arrived: today by default, never in the
future, never before it was shipped; the day is kept on the order."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.ordering import recording, services
from tsunagu.ordering.models import Order, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
PLACED = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)


@pytest.fixture
def shipped(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_admin: Membership,
) -> Order:
    customer, location = linked_customer(supplier, buyer)
    product = ProductFactory.create(supplier=supplier, unit_price=Decimal(100))
    with time_machine.travel(PLACED, tick=False):
        order = services.send_order(
            buyer_member,
            customer,
            location=location,
            lines=[LineRequest(product, 1)],
            # Delivery asked for the 10th of December: the goods may come earlier or later.
            delivery_date=date(2026, 12, 10),
            idempotency_key="d",
            now=PLACED,
        ).order
        services.move_order(order, to_status=OrderStatus.ACCEPTED, actor=supplier_admin)
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO), tick=False):
        services.move_order(order, to_status=OrderStatus.SHIPPED, actor=supplier_admin)
    order.refresh_from_db()
    return order


def _deliver(client: Client, order: Order, **data: str) -> str:
    response = client.post(
        reverse("supplier-order-move", args=[order.pk]),
        {"to_status": "delivered", **data},
        follow=True,
    )
    return response.content.decode()


@time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=TOKYO), tick=False)
def test_the_page_asks_the_day_with_today_as_default(
    supplier_client: Client, shipped: Order
) -> None:
    page = supplier_client.get(reverse("supplier-order", args=[shipped.pk])).content.decode()

    assert 'name="delivered_on" value="2026-12-03" max="2026-12-03" min="2026-12-01"' in page
    assert "届いた日" in page
    # Invoices date the order by this day: the help says so.
    assert (
        "出荷日は2026/12/01 (火)です。得意先に品物が届いた日を入れてください。"
        " この日が請求書の取引日になり、どの締めの請求に入るかもこの日で決まります。"
    ) in page

    _deliver(supplier_client, shipped)
    shipped.refresh_from_db()
    assert shipped.status == OrderStatus.DELIVERED
    assert shipped.delivered_on == date(2026, 12, 3)
    # The planned date stays as it was; the actual one is kept beside it.
    assert shipped.delivery_date == date(2026, 12, 10)


@time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=TOKYO), tick=False)
def test_a_day_in_the_future_or_before_shipping_is_refused(
    supplier_client: Client, shipped: Order
) -> None:
    future = _deliver(supplier_client, shipped, delivered_on="2026-12-10")
    assert "未来の日付は納品日にできません" in future
    early = _deliver(supplier_client, shipped, delivered_on="2026-11-30")
    assert "2026/12/01に出荷した注文です" in early
    assert 'value="2026-11-30"' in early
    shipped.refresh_from_db()
    assert shipped.status == OrderStatus.SHIPPED
    assert shipped.delivered_on is None


@time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=TOKYO), tick=False)
def test_the_day_given_is_kept_audited_and_shown_to_the_buyer(
    supplier_client: Client, shipped: Order, buyer_member: Membership
) -> None:
    _deliver(supplier_client, shipped, delivered_on="2026-12-02")

    shipped.refresh_from_db()
    assert shipped.delivered_on == date(2026, 12, 2)
    entry = AuditEntry.objects.filter(action="order.status_changed").latest("sequence")
    assert entry.changes["delivered_on"] == "2026-12-02"
    page = client_for(buyer_member).get(reverse("buyer-order-detail", args=[shipped.pk]))
    assert "2026/12/02" in page.content.decode()


@time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=TOKYO), tick=False)
def test_an_order_recorded_as_shipped_cannot_arrive_before_it_was_ordered(
    supplier_client: Client, supplier: Organization, buyer: Organization, supplier_admin: Membership
) -> None:
    # Recorded from CSV as 出荷済, the order has no shipping step: the day it was ordered bounds.
    customer, location = linked_customer(supplier, buyer)
    product = ProductFactory.create(supplier=supplier, unit_price=Decimal(100))
    (order,) = recording.record_past_orders(
        supplier,
        [
            recording.PastOrder(
                customer=customer,
                location=location,
                status=OrderStatus.SHIPPED,
                channel="phone",
                ordered_on=date(2026, 11, 25),
                requested_delivery_date=date(2026, 11, 27),
                lines=[recording.PastLine(product, 1)],
            )
        ],
        actor=supplier_admin.user,
    )

    early = _deliver(supplier_client, order, delivered_on="2026-11-24")

    assert "2026/11/25に受けた注文です" in early
    order.refresh_from_db()
    assert (order.status, order.delivered_on) == (OrderStatus.SHIPPED, None)
    _deliver(supplier_client, order, delivered_on="2026-11-25")
    order.refresh_from_db()
    assert (order.status, order.delivered_on) == (OrderStatus.DELIVERED, date(2026, 11, 25))
