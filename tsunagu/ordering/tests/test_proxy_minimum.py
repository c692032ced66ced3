"""Proxy entry (代理入力) below the customer's minimum order amount: shown, confirmed with a reason
and recorded, like every other rule it sets aside."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from tsunagu.audit.models import AuditEntry
from tsunagu.customers.models import Customer
from tsunagu.ordering.models import Order
from tsunagu.ordering.tests.test_proxy_entry import NOW, _post, shop

pytestmark = pytest.mark.django_db
__all__ = ["shop"]


@time_machine.travel(NOW, tick=False)
def test_an_order_below_the_minimum_amount_is_confirmed_and_recorded(
    supplier_client: Client, shop: None
) -> None:
    Customer.objects.filter(customer_code="C1").update(minimum_order_amount=Decimal(5000))

    response = _post(supplier_client, "V1 2")

    assert response.status_code == 400
    page = response.content.decode()
    assert "最低注文金額は¥5,000(税抜)です。この注文は¥200です。" in page
    assert 'name="override" value="minimum_order:"' in page
    assert not Order.objects.exists()

    response = _post(
        supplier_client,
        "V1 2",
        confirm_overrides="1",
        override=["minimum_order:"],
        override_reason="試しの注文",
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(
        action="order.entered_by_proxy", organization_id=Order.objects.get().supplier_id
    )
    assert [(o["rule"], o["product"]) for o in entry.changes["overrides"]] == [
        ("minimum_order", "")
    ]
    assert entry.changes["override_reason"] == "試しの注文"
