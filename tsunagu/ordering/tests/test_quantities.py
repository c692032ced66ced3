"""Upper limits on quantities, and a confirmation before an unusual order is sent."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.ordering.models import CartLine, Order
from tsunagu.ordering.tests.factories import linked_customer
from tsunagu.ordering.tests.test_shop_pages import form_fields

pytestmark = pytest.mark.django_db
NOW = "2026-11-26 10:00 +0900"


@pytest.fixture
def shop(supplier: Organization, buyer: Organization, buyer_member: Membership) -> SimpleNamespace:
    customer, _location = linked_customer(supplier, buyer, name="テスト食堂")
    cabbage = ProductFactory.create(
        supplier=supplier, product_code="V1", name="キャベツ", unit="玉", unit_price=Decimal(198)
    )
    return SimpleNamespace(customer=customer, cabbage=cabbage)


def add(client: Client, product: object, quantity: str) -> str:
    response = client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": product.pk, "quantity": quantity},  # type: ignore[attr-defined]
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def cart_page(client: Client) -> str:
    return client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()


def send(client: Client, fields: dict[str, object]) -> object:
    """Sent from the cart: a refused send comes back to the cart's own address (status 400
    here stands for that), a sent order goes to its page (302)."""
    response = client.post(reverse("buyer-send", args=["test-supplier"]), fields, follow=True)
    # The page landed on must itself be fine: a 400 or 302 below never hides a server error.
    assert response.status_code in {200, 400}, response.status_code
    if response.redirect_chain[:1] == [(reverse("buyer-cart", args=["test-supplier"]), 302)]:
        response.status_code = 400
    elif response.redirect_chain:
        response.status_code = 302
    return response


@time_machine.travel(NOW, tick=False)
def test_a_huge_quantity_is_refused_with_a_message_everywhere_it_can_be_typed(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    page = add(buyer_client, shop.cabbage, "99,999,999")
    assert "1回の注文は9,999玉までです。" in page
    assert not CartLine.objects.exists()
    page = add(buyer_client, shop.cabbage, "999999999999999999999999")
    assert "1回の注文は9,999玉までです。" in page
    assert not CartLine.objects.exists()

    add(buyer_client, shop.cabbage, "2")
    for typed in ("99999999", "999999999999999999999999"):
        fields = form_fields(cart_page(buyer_client))
        fields["line_quantity"] = [typed]
        response = send(buyer_client, fields)
        assert response.status_code == 400  # type: ignore[attr-defined]
        assert "1回の注文は9,999玉までです。" in response.content.decode()  # type: ignore[attr-defined]
    assert not Order.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_suppliers_own_limit_on_a_product_counts(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    shop.cabbage.max_quantity = 50
    shop.cabbage.save()

    assert "1回の注文は50玉までです。" in add(buyer_client, shop.cabbage, "51")
    add(buyer_client, shop.cabbage, "50")
    assert CartLine.objects.get().quantity == 50


@time_machine.travel(NOW, tick=False)
def test_ten_times_the_usual_quantity_asks_for_a_confirmation_before_sending(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    for _ in range(3):
        add(buyer_client, shop.cabbage, "4")
        send(buyer_client, form_fields(cart_page(buyer_client)))
    assert Order.objects.count() == 3

    add(buyer_client, shop.cabbage, "40")
    page = cart_page(buyer_client)
    assert "いつもの約10倍" in page
    fields = form_fields(page)

    refused = send(buyer_client, fields)
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "いつもより多い注文です" in refused.content.decode()  # type: ignore[attr-defined]
    assert Order.objects.count() == 3

    token = re.search(r'name="unusual_ok" value="(\w+)"', page)
    assert token is not None
    sent = send(buyer_client, {**fields, "unusual_ok": token.group(1)})
    assert sent.status_code == 302  # type: ignore[attr-defined]
    assert Order.objects.latest("number").lines.get().quantity == 40


@time_machine.travel(NOW, tick=False)
def test_a_confirmation_for_other_quantities_does_not_count(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    for _ in range(3):
        add(buyer_client, shop.cabbage, "4")
        send(buyer_client, form_fields(cart_page(buyer_client)))
    add(buyer_client, shop.cabbage, "40")
    page = cart_page(buyer_client)
    token = re.search(r'name="unusual_ok" value="(\w+)"', page)
    assert token is not None
    fields = {**form_fields(page), "unusual_ok": token.group(1), "line_quantity": ["400"]}

    assert send(buyer_client, fields).status_code == 400  # type: ignore[attr-defined]
    assert Order.objects.count() == 3


@time_machine.travel(NOW, tick=False)
def test_the_usual_quantity_is_sent_without_a_question(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    for quantity in ("4", "6", "5"):
        add(buyer_client, shop.cabbage, quantity)
        page = cart_page(buyer_client)
        assert 'name="unusual_ok"' not in page
        assert send(buyer_client, form_fields(page)).status_code == 302  # type: ignore[attr-defined]
    assert Order.objects.count() == 3


@time_machine.travel(NOW, tick=False)
def test_the_suppliers_default_limit_counts_for_products_without_their_own(
    buyer_client: Client, shop: SimpleNamespace, supplier: Organization
) -> None:
    supplier.max_order_quantity = 200
    supplier.save()

    assert "1回の注文は200玉までです。" in add(buyer_client, shop.cabbage, "201")
    assert not CartLine.objects.exists()
    shop.cabbage.max_quantity = 500
    shop.cabbage.save()
    add(buyer_client, shop.cabbage, "400")
    assert CartLine.objects.get().quantity == 400


def test_the_supplier_sets_its_default_limit_on_its_settings_page(
    supplier_client: Client, supplier: Organization
) -> None:
    page = supplier_client.get(reverse("organization-settings")).content.decode()
    assert 'name="max_order_quantity"' in page

    refused = supplier_client.post(
        reverse("organization-settings"),
        {"name": supplier.name, "rounding": "down", "max_order_quantity": "99999999"},
    )
    assert refused.status_code == 200
    supplier_client.post(
        reverse("organization-settings"),
        {"name": supplier.name, "rounding": "down", "max_order_quantity": "300"},
    )
    supplier.refresh_from_db()
    assert supplier.max_order_quantity == 300


def test_a_zero_put_in_the_cart_asks_for_1_or_more_not_for_less(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    page = add(buyer_client, shop.cabbage, "0")

    assert "数量は1以上の数字で入力してください。" in page
    assert "9,999玉まで" not in page
    assert not CartLine.objects.exists()
