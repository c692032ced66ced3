"""Proxy entry (代理入力): line notes as typed, and every buyer-side rule it sets aside shown,
confirmed with a reason and recorded."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering.models import Order
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db
# Thursday 26 November 2026, 10:00 in Tokyo: Friday the 27th is the next delivery date.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def shop(supplier: Organization, buyer: Organization) -> None:
    linked_customer(supplier, buyer, customer_code="C1", name="テスト食堂")
    ProductFactory.create(
        supplier=supplier,
        product_code="V1",
        name="キャベツ",
        unit="玉",
        units_per_case=10,
        sold_by_case=True,
    )
    ProductFactory.create(
        supplier=supplier,
        product_code="S1",
        name="塩",
        unit="袋",
        min_quantity=3,
        order_multiple=3,
    )


def _post(client: Client, lines: str, **extra: Any) -> Any:
    data = {
        "customer": "C1",
        "channel": "phone",
        "lines": lines,
        "delivery_date": "2026-11-27",
        "idempotency_key": "proxy-k",
        **extra,
    }
    return client.post(reverse("supplier-order-new"), data)


@time_machine.travel(NOW, tick=False)
def test_a_line_note_keeps_its_first_word_with_or_without_a_unit(
    supplier_client: Client, shop: None
) -> None:
    response = _post(supplier_client, "V1 2 朝一番で お願い\nV1 1 c 冷蔵で\nV1 3 玉 泥付き")

    assert response.status_code == 302
    lines = Order.objects.get().lines.order_by("position")
    assert [(line.order_unit, line.quantity, line.note) for line in lines] == [
        ("piece", 2, "朝一番で お願い"),
        ("case", 1, "冷蔵で"),
        ("piece", 3, "泥付き"),
    ]


@time_machine.travel(NOW, tick=False)
def test_every_rule_set_aside_is_shown_and_nothing_saved_until_confirmed(
    supplier_client: Client, shop: None
) -> None:
    response = _post(supplier_client, "S1 2", delivery_date="2026-11-25")

    assert response.status_code == 400
    page = response.content.decode()
    assert "この注文は得意先の注文ルールに合っていません" in page
    assert "1回の注文は3袋からです" in page
    assert "3袋単位でご注文ください" in page
    assert "納品日が過ぎています" in page
    assert 'name="override" value="min_quantity:S1"' in page
    assert 'name="override" value="order_multiple:S1"' in page
    assert 'name="override" value="past_date:"' in page
    assert "このまま注文を保存する" in page
    assert ">S1 2</textarea>" in page
    assert not Order.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_confirming_without_a_reason_is_refused_with_the_rules_still_shown(
    supplier_client: Client, shop: None
) -> None:
    response = _post(
        supplier_client,
        "S1 2",
        confirm_overrides="1",
        override=["min_quantity:S1", "order_multiple:S1"],
        override_reason=" ",
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "ルールに合わない理由を書いてください" in page
    assert 'name="override" value="min_quantity:S1"' in page
    assert not Order.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_rule_not_seen_before_is_asked_again(supplier_client: Client, shop: None) -> None:
    # The person confirmed the minimum only; the date, changed meanwhile, is in the past.
    response = _post(
        supplier_client,
        "S1 2",
        delivery_date="2026-11-20",
        confirm_overrides="1",
        override=["min_quantity:S1", "order_multiple:S1"],
        override_reason="いつもの量",
    )

    assert response.status_code == 400
    assert 'name="override" value="past_date:"' in response.content.decode()
    assert not Order.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_confirmed_override_is_saved_and_recorded_who_which_rule_and_why(
    supplier_client: Client, shop: None, supplier_admin: Membership, buyer_member: Membership
) -> None:
    # Today (Thursday) is past the lead time: the customer could not choose it.
    response = _post(
        supplier_client,
        "S1 2",
        delivery_date="2026-11-26",
        confirm_overrides="1",
        override=["min_quantity:S1", "order_multiple:S1", "delivery_date:"],
        override_reason="電話で店長と確認済み",
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert order.requested_delivery_date == date(2026, 11, 26)
    entry = AuditEntry.objects.get(
        action="order.entered_by_proxy", organization_id=order.supplier_id
    )
    assert entry.actor_id == supplier_admin.user_id
    assert [(o["rule"], o["product"]) for o in entry.changes["overrides"]] == [
        ("min_quantity", "S1"),
        ("order_multiple", "S1"),
        ("delivery_date", ""),
    ]
    assert entry.changes["override_reason"] == "電話で店長と確認済み"
    # The buyer is told, and its order page says the supplier set the date.
    mail = OutboxMessage.objects.get(to=buyer_member.user.email)
    assert "納品日(受注企業が設定): 2026年11月26日" in mail.body_text
    buyer_page = client_for(buyer_member).get(reverse("buyer-order-detail", args=[order.pk]))
    assert "納品日(受注企業が設定)" in buyer_page.content.decode()


@time_machine.travel(NOW, tick=False)
def test_an_order_that_follows_the_rules_is_saved_at_once(
    supplier_client: Client, shop: None
) -> None:
    response = _post(supplier_client, "S1 6")

    assert response.status_code == 302
    order = Order.objects.get()
    entry = AuditEntry.objects.get(
        action="order.entered_by_proxy", organization_id=order.supplier_id
    )
    assert "overrides" not in entry.changes
    assert order.lines.get().quantity == 6


@time_machine.travel(NOW, tick=False)
def test_a_product_not_offered_to_the_customer_is_one_override(
    supplier_client: Client, shop: None, supplier: Organization
) -> None:
    ProductFactory.create(
        supplier=supplier,
        product_code="X1",
        name="限定品",
        visibility=Product.Visibility.SELECTED,
    )

    response = _post(supplier_client, "X1 1")

    page = response.content.decode()
    assert re.findall(r'name="override" value="([^"]+)"', page) == ["not_offered:X1"]
    assert "この商品はこの得意先には公開していません" in page


@time_machine.travel(NOW, tick=False)
def test_a_huge_quantity_is_refused_next_to_the_lines_not_saved(
    supplier_client: Client, shop: None
) -> None:
    response = _post(supplier_client, "V1 99999999999999999\nV1 1000000 c\nV1 " + "9" * 5000)

    assert response.status_code == 400
    page = response.content.decode()
    assert "1行目:" in page
    assert "2行目:" in page
    assert "3行目:" in page
    assert 'name="lines"' in page
    assert not Order.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_customers_minimum_amount_and_a_case_only_product_are_overrides_too(
    supplier_client: Client, shop: None, supplier: Organization
) -> None:
    Customer.objects.filter(customer_code="C1").update(minimum_order_amount=Decimal(5000))
    Product.objects.filter(product_code="V1").update(sold_by_piece=False)

    # Two pieces of a product sold by the case only, ¥200 in all.
    response = _post(supplier_client, "V1 2")

    assert response.status_code == 400
    page = response.content.decode()
    assert re.findall(r'name="override" value="([^"]+)"', page) == [
        "case_only:V1",
        "minimum_order:",
    ]
    assert "最低注文金額は¥5,000(税抜)です。この注文は¥200です。" in page
    assert not Order.objects.exists()

    confirmed = _post(
        supplier_client,
        "V1 2",
        confirm_overrides="1",
        override=["case_only:V1", "minimum_order:"],
        override_reason="お試しで2玉だけ",
    )

    assert confirmed.status_code == 302
    entry = AuditEntry.objects.get(action="order.entered_by_proxy", organization_id=supplier.pk)
    assert [o["rule"] for o in entry.changes["overrides"]] == ["case_only", "minimum_order"]
