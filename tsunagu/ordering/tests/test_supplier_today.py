"""The supplier's home shows today's work, each line a link to the page that lists it."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.ordering import services
from tsunagu.ordering.models import Order, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
# Thursday 26 November 2026; Friday the 27th is the next delivery day.
PLACED = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)
FRIDAY = datetime(2026, 11, 27, 8, 0, tzinfo=TOKYO)


def _orders(
    supplier: Organization, buyer: Organization, buyer_member: Membership, n: int
) -> list[Order]:
    customer, location = linked_customer(supplier, buyer, closing_day=27)
    product = ProductFactory.create(supplier=supplier, unit_price=Decimal(100))
    return [
        services.send_order(
            buyer_member,
            customer,
            location=location,
            lines=[LineRequest(product, 1)],
            delivery_date=date(2026, 11, 27),
            idempotency_key=f"t-{k}",
            now=PLACED,
        ).order
        for k in range(n)
    ]


def _line(page: str, kind: str) -> tuple[str, str]:
    match = re.search(rf'id="today-{kind}" href="([^"]+)">\s*(.*?)\s*</a>', page, re.S)
    assert match, kind
    return match.group(1).replace("&amp;", "&"), match.group(2)


def test_todays_work_is_counted_and_each_line_leads_to_its_list(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_admin: Membership,
    supplier_client: Client,
) -> None:
    orders = _orders(supplier, buyer, buyer_member, 21)
    for order in orders[:5]:
        services.move_order(order, to_status=OrderStatus.ACCEPTED, actor=supplier_admin)
    services.post_message(orders[0], actor=buyer_member, body="時間を変えられますか")
    services.post_message(orders[1], actor=buyer_member, body="追加できますか")
    services.post_message(orders[1], actor=supplier_admin, body="できます")
    CustomerFactory.create(supplier=supplier, closing_day=27)
    per_delivery = CustomerFactory.create(
        supplier=supplier, billing_method=Customer.BillingMethod.PER_ORDER
    )
    Order.objects.filter(pk=orders[20].pk).update(
        customer=per_delivery, status=OrderStatus.DELIVERED
    )

    with time_machine.travel(FRIDAY, tick=False):
        page = supplier_client.get(reverse("dashboard")).content.decode()

        url, text = _line(page, "new-orders")
        assert text == "受付待ちの新しい注文 15件"
        assert url == "/supplier/orders/?status=submitted"
        assert supplier_client.get(url).context["page"].paginator.count == 15
        url, text = _line(page, "to-ship")
        assert text == "今日出荷する注文 5件"
        assert supplier_client.get(url).context["page"].paginator.count == 5
        url, text = _line(page, "unanswered")
        assert text == "返事を待っているメッセージ 1件"
        listed = supplier_client.get(url).context["page"]
        assert [o.number for o in listed] == [orders[0].number]
        url, text = _line(page, "invoices")
        # Two customers close on the 27th and neither has an invoice yet; one order of a
        # customer billed per delivery was delivered and has none.
        assert text == "出す請求書 3件(今日締め・都度請求)"
        assert url == "/supplier/billing/?date=2026-11-27"
        assert supplier_client.get(url).status_code == 200


def test_the_home_counts_with_a_fixed_number_of_queries(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_client: Client,
) -> None:
    orders = _orders(supplier, buyer, buyer_member, 2)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            supplier_client.get(reverse("dashboard"))
        return len(context.captured_queries)

    supplier_client.get(reverse("dashboard"))
    few = count()
    for order in orders:
        services.post_message(order, actor=buyer_member, body="質問")
    assert count() == few


def test_a_buyer_home_is_not_a_supplier_home(buyer_client: Client) -> None:
    response = buyer_client.get(reverse("dashboard"), follow=True)

    assert response.redirect_chain == [(reverse("buyer-home"), 302)]
    assert response.status_code == 200
    assert 'id="today"' not in response.content.decode()


def test_a_message_on_an_order_waiting_for_the_buyers_approval_is_not_counted(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_client: Client,
) -> None:
    # The supplier does not see orders waiting for the buyer's approval: the line would lead to
    # an empty list.
    (order,) = _orders(supplier, buyer, buyer_member, 1)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PENDING_APPROVAL)
    services.post_message(order, actor=buyer_member, body="承認待ちですが、先に伝えます")

    with time_machine.travel(FRIDAY, tick=False):
        page = supplier_client.get(reverse("dashboard")).content.decode()

    url, text = _line(page, "unanswered")
    assert text == "返事を待っているメッセージ 0件"
    with time_machine.travel(FRIDAY, tick=False):
        listed = supplier_client.get(url)
    assert listed.context["page"].paginator.count == 0
    assert order.number not in listed.content.decode()
