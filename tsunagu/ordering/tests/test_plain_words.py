"""No code words on pages: every operation in the log has a label, the buyer's timeline names the
channel, a price group says its rate once; shipping people do not read the member list."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.audit.labels import ACTION_LABELS
from tsunagu.catalog.models import PriceGroup
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.ordering import services
from tsunagu.ordering.models import Order, OrderStatus
from tsunagu.ordering.shipping import assign_shipping
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
SOURCE = Path(__file__).resolve().parents[2]


def test_every_operation_the_code_records_has_a_label() -> None:
    recorded = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'audit\.record\(\s*"([a-z_.]+)"', text))
        recorded |= set(re.findall(r'\brecord\(\s*"([a-z_.]+)"', text))
    assert "shipping.assigned" in recorded
    assert sorted(recorded - set(ACTION_LABELS)) == []


@time_machine.travel(NOW, tick=False)
def test_the_audit_page_and_the_buyers_timeline_speak_plain_words(
    supplier: Organization,
    buyer: Organization,
    supplier_admin: Membership,
    buyer_member: Membership,
    supplier_client: Client,
) -> None:
    shipper = MembershipFactory.create(organization=supplier, role=Role.SHIPPING)
    linked_customer(supplier, buyer, customer_code="C1")
    ProductFactory.create(supplier=supplier, product_code="V1", unit_price=Decimal(10))
    pages = []
    for channel in ("fax", "line"):
        supplier_client.post(
            reverse("supplier-order-new"),
            {
                "customer": "C1",
                "channel": channel,
                "lines": "V1 1",
                "idempotency_key": channel,
            },
        )
        order = Order.objects.get(channel=channel)
        order = services.move_order(order, to_status=OrderStatus.ACCEPTED, actor=supplier_admin)
        assign_shipping(order, actor=supplier_admin, assignee=shipper.user, warehouse="")
        page = client_for(buyer_member).get(reverse("buyer-order-detail", args=[order.pk]))
        pages.append(page.content.decode())

    timeline = re.search(r'id="timeline">(.*?)</section>', pages[0], re.S)
    assert timeline is not None
    assert "FAXで受けた注文を受注企業が入力しました" in timeline.group(1)
    assert ">fax<" not in timeline.group(1)
    assert "\nfax" not in timeline.group(1)
    assert "LINEで受けた注文を受注企業が入力しました" in pages[1]
    # What a person reads: the page without its tags (option values are codes, as they should).
    audit = re.sub(r"<[^>]+>", "", supplier_client.get(reverse("audit-log")).content.decode())
    assert "出荷指示を出した" in audit
    assert "得意先の注文を代理入力" in audit
    for code in ("shipping.assigned", "order.entered_by_proxy", "order.source_attached"):
        assert code not in audit


def test_a_price_group_says_its_rate_once() -> None:
    assert str(PriceGroup(name="卸価格", rate=Decimal("85.00"))) == "卸価格 (85%)"
    assert str(PriceGroup(name="卸価格 (85%)", rate=Decimal("85.00"))) == "卸価格 (85%)"
    assert str(PriceGroup(name="定価", rate=Decimal("100.00"))) == "定価 (100%)"
    # A name that says another rate does not hide the real one.
    assert str(PriceGroup(name="卸価格 (85%)", rate=Decimal("5.00"))) == "卸価格 (85%) (5%)"
    assert str(PriceGroup(name="特価 7.5%", rate=Decimal("5.00"))) == "特価 7.5% (5%)"
    assert str(PriceGroup(name="特価 7.5％", rate=Decimal("7.50"))) == "特価 7.5％"


def test_a_shipping_user_cannot_read_the_member_list(supplier: Organization) -> None:
    shipper = MembershipFactory.create(organization=supplier, role=Role.SHIPPING)
    client = client_for(shipper)

    assert client.get(reverse("members")).status_code == 403
    page = client.get(reverse("shipping-instructions")).content.decode()
    assert 'href="/organization/members/"' not in page
    assert reverse("members") not in page
