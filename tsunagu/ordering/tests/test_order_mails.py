"""Order mails tell the buyer what the order costs with tax, as the pages do."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering import services
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_the_confirmation_mail_shows_the_tax_per_rate_and_the_tax_included_total(
    supplier: Organization, buyer: Organization, buyer_member: Membership
) -> None:
    customer, location = linked_customer(supplier, buyer)
    cabbage = ProductFactory.create(
        supplier=supplier, product_code="V1", unit_price=Decimal(198), tax_rate=8
    )
    soap = ProductFactory.create(
        supplier=supplier, product_code="Z1", unit_price=Decimal(305), tax_rate=10
    )

    services.send_order(
        buyer_member,
        customer,
        location=location,
        lines=[LineRequest(cabbage, 3), LineRequest(soap, 2)],
        delivery_date=date(2026, 11, 27),
        idempotency_key="mail-totals",
        now=NOW,
    )

    body = OutboxMessage.objects.get(to=buyer_member.user.email).body_text
    # 594 at 8 % and 610 at 10 %, each taxed once, rounded down: 47 and 61.
    assert "小計(税抜): ¥1,204" in body
    assert "消費税 8%(対象 ¥594): ¥47" in body
    assert "消費税 10%(対象 ¥610): ¥61" in body
    assert "合計(税込): ¥1,312" in body
    assert "&" not in body
