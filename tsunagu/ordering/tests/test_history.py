"""The buyer's order history and order page, in English: the Japanese comes from the translation
catalogue, so these tests pin the source text, the page structure and the behaviour."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import BuyerFactory, MembershipFactory
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering.models import Order, OrderEvent, OrderLine, OrderMessage, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.services import move_order, send_order
from tsunagu.ordering.tests.factories import buyer_admin, linked_customer

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
# Thursday 26 November 2026, 10:00: before the 15:00 cutoff, so Friday the 27th is offered.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)
FRIDAY = date(2026, 11, 27)


@dataclass
class Shop:
    customer: Customer
    location: Location
    cabbage: Product
    chopsticks: Product
    member: Membership


@pytest.fixture
def shop(supplier: Organization, buyer: Organization, buyer_member: Membership) -> Shop:
    customer, location = linked_customer(supplier, buyer)
    cabbage = ProductFactory.create(
        supplier=supplier, product_code="V1", name="キャベツ", unit="玉", unit_price=Decimal("198")
    )
    chopsticks = ProductFactory.create(
        supplier=supplier, product_code="H1", name="割り箸", unit="袋", unit_price=Decimal("1200")
    )
    return Shop(customer, location, cabbage, chopsticks, buyer_member)


def place(
    shop: Shop,
    key: str,
    *,
    member: Membership | None = None,
    customer: Customer | None = None,
    location: Location | None = None,
    lines: list[LineRequest] | None = None,
) -> Order:
    return send_order(
        member or shop.member,
        customer or shop.customer,
        location=location or shop.location,
        lines=lines or [LineRequest(shop.cabbage, 5), LineRequest(shop.chopsticks, 3)],
        delivery_date=FRIDAY,
        note="裏口から納品してください",
        idempotency_key=key,
        now=NOW,
    ).order


def in_english(client: Client) -> Client:
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302
    return client


def listed(client: Client, **params: str) -> set[str]:
    response = client.get(reverse("buyer-orders"), params)
    assert response.status_code == 200
    return set(re.findall(r'<tr id="order-([0-9a-f-]+)"', response.content.decode()))


def detail(order: Order) -> str:
    return reverse("buyer-order-detail", args=[order.pk])


def order_urls(order: Order) -> dict[str, str]:
    return {
        name: reverse(f"buyer-order-{name}", args=[order.pk])
        for name in ("message", "cancel", "approve")
    }


@pytest.fixture
def english_client(buyer_member: Membership) -> Client:
    return in_english(client_for(buyer_member))


# ---- history ------------------------------------------------------------------------------------


def test_history_shows_only_the_organizations_orders_and_the_filters_narrow_it(
    shop: Shop, english_client: Client, supplier: Organization, other_supplier: Organization
) -> None:
    # Given orders of the buyer at two suppliers and two locations, and one of another buyer
    station = Location.objects.create(
        supplier=supplier, customer=shop.customer, name="駅前店", is_default=False
    )
    other_customer, other_location = linked_customer(other_supplier, shop.member.organization)
    rice = ProductFactory.create(supplier=other_supplier, product_code="R1", name="米")
    at_home = place(shop, "a")
    at_station = place(shop, "b", location=station)
    elsewhere = place(
        shop,
        "c",
        customer=other_customer,
        location=other_location,
        lines=[LineRequest(rice, 2)],
    )
    stranger = MembershipFactory.create(organization=BuyerFactory.create(code="another-buyer"))
    stranger_customer, stranger_location = linked_customer(supplier, stranger.organization)
    place(shop, "d", member=stranger, customer=stranger_customer, location=stranger_location)
    # the first order was placed just after midnight in Tokyo (still the previous day in UTC)
    Order.objects.filter(pk=at_home.pk).update(
        ordered_at=datetime(2026, 11, 21, 0, 30, tzinfo=TOKYO), status=OrderStatus.CANCELLED
    )

    # Then
    mine = {str(at_home.pk), str(at_station.pk), str(elsewhere.pk)}
    assert listed(english_client) == mine
    assert listed(english_client, location=str(station.pk)) == {str(at_station.pk)}
    assert listed(english_client, supplier="other-supplier") == {str(elsewhere.pk)}
    assert listed(english_client, status="cancelled") == {str(at_home.pk)}
    assert listed(english_client, date_from="2026-11-21", date_to="2026-11-21") == {str(at_home.pk)}
    assert listed(english_client, date_to="2026-11-20") == set()
    assert listed(english_client, date_from="2026-11-22") == {
        str(at_station.pk),
        str(elsewhere.pk),
    }


def test_history_rows_show_the_order_and_the_form_keeps_its_values(
    shop: Shop, english_client: Client
) -> None:
    order = place(shop, "a")

    page = english_client.get(
        reverse("buyer-orders"), {"supplier": "test-supplier", "date_from": "2026-11-01"}
    ).content.decode()

    row = re.search(rf'<tr id="order-{order.pk}".*?</tr>', page, re.S)
    assert row is not None
    # ¥4,590 at 8% (the factory's rate): + ¥367 of tax = ¥4,957, the tax-included total
    for text in ("S-000001", "テスト食品卸 株式会社", "本店", "2026/11/27", "Submitted", "¥4,957"):
        assert text in row.group(0)
    assert "利用者" in row.group(0)  # placed by (the factory's user name)
    assert '<option value="test-supplier" selected>' in page
    assert 'value="2026-11-01"' in page


def test_history_says_so_when_nothing_matches(shop: Shop, english_client: Client) -> None:
    place(shop, "a")

    page = english_client.get(reverse("buyer-orders"), {"status": "delivered"}).content.decode()

    assert "No orders match" in page
    assert "<table" not in page


def test_history_uses_the_same_number_of_queries_for_3_and_30_orders(
    shop: Shop, english_client: Client
) -> None:
    for n in range(3):
        place(shop, f"few-{n}")
    english_client.get(reverse("dashboard"))  # the session's own bookkeeping happens once

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert english_client.get(reverse("buyer-orders")).status_code == 200
        return len(context.captured_queries)

    few = count()
    for n in range(27):
        place(shop, f"many-{n}")

    assert Order.objects.count() == 30
    assert count() == few


# ---- the order page -----------------------------------------------------------------------------


def test_the_order_page_shows_lines_shortage_and_timeline(
    shop: Shop, english_client: Client
) -> None:
    order = place(shop, "a")
    # the supplier can deliver only 2 of the 3 bags of chopsticks; all 5 cabbages
    OrderLine.objects.filter(order=order, product_code="H1").update(confirmed_quantity=2)
    OrderLine.objects.filter(order=order, product_code="V1").update(confirmed_quantity=5)

    response = english_client.get(detail(order))

    assert response.status_code == 200
    page = response.content.decode()
    cabbage = re.search(r'<tr id="line-1".*?</tr>', page, re.S)
    chopsticks = re.search(r'<tr id="line-2".*?</tr>', page, re.S)
    assert cabbage is not None
    assert chopsticks is not None
    assert "キャベツ" in cabbage.group(0)
    assert "Shortage" not in cabbage.group(0)
    assert "割り箸" in chopsticks.group(0)
    assert 'data-shortage="true"' in chopsticks.group(0)
    assert "Confirmed: 2" in chopsticks.group(0)
    assert "Shortage" in chopsticks.group(0)
    assert 'id="shortage-notice"' in page
    assert "¥4,590" in page  # 5 × 198 + 3 × 1,200
    assert "裏口から納品してください" in page
    assert '<li class="timeline__step" data-kind="placed">' in page
    assert "Order placed" in page
    assert "Not confirmed yet" in page
    assert 'id="reorder-link" href="{}"'.format(reverse("buyer-reorder", args=[order.pk])) in page
    assert 'id="cancel-button"' in page
    assert 'id="approve-button"' not in page


def test_the_timeline_names_the_suppliers_steps_in_plain_words(
    shop: Shop, english_client: Client, supplier_admin: Membership
) -> None:
    supplier_admin.user.name = "卸の 担当者"
    supplier_admin.user.save(update_fields=["name"])
    order = place(shop, "a")
    move_order(order, to_status=OrderStatus.ACCEPTED, actor=supplier_admin, note="午前中に伺います")

    page = english_client.get(detail(order)).content.decode()

    steps = re.findall(
        r'<li class="timeline__step" data-kind="(\w+)">\s*<span><strong>([^<]+)', page
    )
    assert steps == [("placed", "Order placed"), ("status", "Accepted by the supplier")]
    assert "午前中に伺います" in page
    assert "卸の 担当者" not in page  # the supplier's staff are not named to the buyer
    assert '<dd id="confirmed-delivery-date">2026/11/27 (Fri)</dd>' in page
    assert 'id="cancel-button"' not in page


def test_posting_a_message_saves_it_and_mails_the_supplier(
    shop: Shop, english_client: Client, supplier_admin: Membership
) -> None:
    order = place(shop, "a")
    mails_before = OutboxMessage.objects.filter(to="admin@supplier.test").count()

    response = english_client.post(
        order_urls(order)["message"], {"body": " 納品時間を午前にできますか? "}
    )

    assert response.status_code == 302
    assert response["Location"] == detail(order) + "#messages"
    message = OrderMessage.objects.get(order=order)
    assert (message.body, message.from_supplier, message.author) == (
        "納品時間を午前にできますか?",
        False,
        shop.member.user,
    )
    mails = OutboxMessage.objects.filter(to="admin@supplier.test")
    assert mails.count() == mails_before + 1
    assert "S-000001" in mails.latest("created_at").subject
    page = english_client.get(detail(order)).content.decode()
    assert "Your message was sent to テスト食品卸 株式会社." in page
    assert 'data-from="buyer"' in page
    assert "納品時間を午前にできますか?" in page


def test_an_empty_or_too_long_message_keeps_the_page_with_the_error(
    shop: Shop, english_client: Client, supplier_admin: Membership
) -> None:
    order = place(shop, "a")
    mails_before = OutboxMessage.objects.count()

    empty = english_client.post(order_urls(order)["message"], {"body": "   "})
    too_long = english_client.post(order_urls(order)["message"], {"body": "あ" * 2001})

    assert empty.status_code == 200
    assert "Write a message before sending it." in empty.content.decode()
    assert 'id="id_body_error"' in empty.content.decode()
    assert too_long.status_code == 200
    page = too_long.content.decode()
    assert "A message can be at most 2000 characters (it has 2001)." in page
    assert "あ" * 2001 in page  # what was typed is not lost
    assert "割り箸" in page  # still the whole order page
    assert not OrderMessage.objects.exists()
    assert OutboxMessage.objects.count() == mails_before


def test_cancel_works_while_submitted(shop: Shop, english_client: Client) -> None:
    order = place(shop, "a")

    response = english_client.post(order_urls(order)["cancel"], {"confirmed": "1"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    page = response.content.decode()
    assert "Order S-000001 was cancelled." in page
    assert '<li class="timeline__step" data-kind="cancelled">' in page
    assert 'id="cancel-button"' not in page


def test_cancel_is_refused_once_the_supplier_has_accepted(
    shop: Shop, english_client: Client
) -> None:
    order = place(shop, "a")
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.ACCEPTED)
    assert 'id="cancel-button"' not in english_client.get(detail(order)).content.decode()

    response = english_client.post(order_urls(order)["cancel"], {"confirmed": "1"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED
    assert not OrderEvent.objects.filter(order=order, kind="cancelled").exists()
    assert "The supplier has already accepted this order" in response.content.decode()


@pytest.fixture
def waiting_order(shop: Shop, buyer: Organization) -> Order:
    buyer.approval_threshold = Decimal("1000")
    buyer.save()
    order = place(shop, "big")
    assert order.status == OrderStatus.PENDING_APPROVAL
    return order


def test_a_buyer_admin_approves_a_waiting_order(
    waiting_order: Order, buyer: Organization, english_client: Client
) -> None:
    boss = in_english(client_for(buyer_admin(buyer)))
    assert 'id="approve-button"' in boss.get(detail(waiting_order)).content.decode()

    response = boss.post(order_urls(waiting_order)["approve"], follow=True)

    waiting_order.refresh_from_db()
    assert waiting_order.status == OrderStatus.SUBMITTED
    assert "Order S-000001 was approved and sent to テスト食品卸 株式会社." in (
        response.content.decode()
    )
    assert OrderEvent.objects.filter(order=waiting_order, kind="approved").count() == 1


def test_a_member_cannot_approve(waiting_order: Order, english_client: Client) -> None:
    assert 'id="approve-button"' not in english_client.get(detail(waiting_order)).content.decode()

    response = english_client.post(order_urls(waiting_order)["approve"])

    assert response.status_code == 403
    waiting_order.refresh_from_db()
    assert waiting_order.status == OrderStatus.PENDING_APPROVAL


def test_a_viewer_reads_the_order_but_changes_nothing(shop: Shop, buyer: Organization) -> None:
    order = place(shop, "a")
    viewer = in_english(client_for(MembershipFactory.create(organization=buyer, role=Role.VIEWER)))

    page = viewer.get(detail(order)).content.decode()

    assert "割り箸" in page
    assert 'id="message-form"' not in page
    assert 'id="cancel-button"' not in page
    assert viewer.post(order_urls(order)["message"], {"body": "こんにちは"}).status_code == 403
    assert viewer.post(order_urls(order)["cancel"]).status_code == 403
    assert not OrderMessage.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED


def test_another_buyer_organization_gets_404_everywhere_and_nothing_changes(
    waiting_order: Order,
) -> None:
    other_buyer = BuyerFactory.create(code="other-buyer", name="よその食堂")
    outsider = in_english(
        client_for(
            MembershipFactory.create(
                organization=other_buyer, role=Role.OWNER, user__email="owner@other-buyer.test"
            )
        )
    )
    events_before = OrderEvent.objects.count()
    mails_before = OutboxMessage.objects.count()

    assert outsider.get(detail(waiting_order)).status_code == 404
    urls = order_urls(waiting_order)
    assert outsider.post(urls["message"], {"body": "こんにちは"}).status_code == 404
    assert outsider.post(urls["cancel"]).status_code == 404
    assert outsider.post(urls["approve"]).status_code == 404
    assert listed(outsider) == set()

    waiting_order.refresh_from_db()
    assert waiting_order.status == OrderStatus.PENDING_APPROVAL
    assert not OrderMessage.objects.exists()
    assert OrderEvent.objects.count() == events_before
    assert OutboxMessage.objects.count() == mails_before
