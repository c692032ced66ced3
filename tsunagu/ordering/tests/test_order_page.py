# ruff: noqa: F811 - the fixtures come from test_history and are named as arguments
"""The buyer's order page: cancelling with a question, the main action after sending, the
tax-included total, approvals sent back, unread messages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.ordering.models import Order, OrderEvent, OrderStatus
from tsunagu.ordering.tests.test_history import (  # noqa: F401 - fixtures
    Shop,
    detail,
    english_client,
    in_english,
    place,
    shop,
)

pytestmark = pytest.mark.django_db


def cancel_url(order: Order) -> str:
    return reverse("buyer-order-cancel", args=[order.pk])


def test_cancelling_asks_first_and_takes_an_optional_reason(
    shop: Shop, english_client: Client
) -> None:
    order = place(shop, "a")
    page = english_client.get(detail(order)).content.decode()
    # The order page offers a link to a question, not a button that cancels at once.
    assert f'href="{cancel_url(order)}" id="cancel-button"' in page
    assert f'action="{cancel_url(order)}"' not in page

    question = english_client.get(cancel_url(order)).content.decode()
    assert "Cancel order S-000001?" in question
    assert 'name="reason"' in question
    # A POST without the confirmation (an old page, a double tap) only asks.
    asked = english_client.post(cancel_url(order))
    assert asked.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED

    done = english_client.post(
        cancel_url(order), {"confirmed": "1", "reason": "数を間違えました"}, follow=True
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert OrderEvent.objects.get(order=order, kind="cancelled").note == "数を間違えました"
    assert "Order S-000001 was cancelled." in done.content.decode()
    assert "数を間違えました" in done.content.decode()


def test_a_too_long_reason_keeps_what_was_typed(shop: Shop, english_client: Client) -> None:
    order = place(shop, "a")

    response = english_client.post(cancel_url(order), {"confirmed": "1", "reason": "あ" * 301})

    assert response.status_code == 200
    assert "あ" * 301 in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED


def test_after_sending_the_main_action_is_going_home_not_ordering_again(
    shop: Shop, english_client: Client
) -> None:
    order = place(shop, "a")

    page = english_client.get(detail(order)).content.decode()

    primary = re.findall(r'<a class="btn btn--primary[^"]*"[^>]*>([^<]+)</a>', page)
    assert primary == ["Back to the home"]
    assert re.search(r'class="btn btn--secondary[^"]*" id="reorder-link"', page)


def test_the_order_page_shows_tax_per_rate_and_the_tax_included_total(
    shop: Shop, english_client: Client
) -> None:
    shop.cabbage.tax_rate = 8
    shop.cabbage.save()
    shop.chopsticks.tax_rate = 10
    shop.chopsticks.save()
    order = place(shop, "a")  # 5 × 198 (8%) + 3 × 1,200 (10%)

    page = english_client.get(detail(order)).content.decode()

    assert "Consumption tax 10% (on ¥3,600)" in page
    assert "Consumption tax 8% (on ¥990)" in page
    totals = re.search(r'<dl class="totals" id="totals">(.*?)</dl>', page, re.S)
    assert totals is not None
    # 990 × 8% = 79.2 → 79 (down), 3,600 × 10% = 360
    assert "¥79<" in totals.group(1)
    assert "¥360<" in totals.group(1)
    assert "¥5,029<" in totals.group(1)
    history = english_client.get(reverse("buyer-orders")).content.decode()
    assert "Total (tax included)" in history
    assert "¥5,029" in history


def test_with_hidden_prices_the_buyer_sees_no_amount_at_all(
    shop: Shop, english_client: Client
) -> None:
    shop.customer.hide_prices = True
    shop.customer.save()
    order = place(shop, "a")

    for url in (detail(order), reverse("buyer-orders"), reverse("buyer-home")):
        page = english_client.get(url).content.decode()
        assert "¥" not in page, url
