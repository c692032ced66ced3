"""A tampered or garbled field sent by a buyer's page (an id that is no id, a version that is no
number) finds nothing or asks to reload: never an error page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.ordering.models import CartLine, Order
from tsunagu.ordering.tests.factories import cart_shop
from tsunagu.ordering.tests.test_quantities import add, cart_page, send
from tsunagu.ordering.tests.test_shop_pages import form_fields

pytestmark = pytest.mark.django_db
NOW = "2026-11-26 10:00 +0900"


@pytest.fixture
def shop(supplier: Organization, buyer: Organization, buyer_member: Membership) -> SimpleNamespace:
    return cart_shop(supplier, buyer, sake_by_piece=False)


@pytest.mark.parametrize("garbled", ["abc", "", "1' OR '1'='1", "9" * 5000])
def test_a_garbled_product_id_put_in_the_cart_is_not_found(
    buyer_client: Client, shop: SimpleNamespace, garbled: str
) -> None:
    response = buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]), {"product": garbled, "quantity": "1"}
    )

    assert response.status_code == 404
    assert not CartLine.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_garbled_ids_in_a_sent_order_are_left_out_or_asked_for(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    add(buyer_client, shop.cabbage, "2")
    fields = form_fields(cart_page(buyer_client))

    refused = send(buyer_client, {**fields, "location": "not-an-id"})
    assert refused.status_code == 400  # type: ignore[attr-defined]
    garbled_line = {
        **fields,
        "line_product": [*fields["line_product"], "zzz"],  # type: ignore[misc]
        "line_unit": [*fields["line_unit"], "piece"],  # type: ignore[misc]
        "line_quantity": [*fields["line_quantity"], "1"],  # type: ignore[misc]
        "line_note": [*fields["line_note"], ""],  # type: ignore[misc]
        "line_price": [*fields["line_price"], ""],  # type: ignore[misc]
    }
    sent = send(buyer_client, garbled_line)
    assert sent.status_code == 302  # type: ignore[attr-defined]
    assert Order.objects.get().lines.count() == 1


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("garbled", ["abc", "9" * 5000])
def test_a_garbled_version_of_an_order_change_asks_to_reload(
    buyer_client: Client, shop: SimpleNamespace, garbled: str
) -> None:
    add(buyer_client, shop.cabbage, "2")
    assert send(buyer_client, form_fields(cart_page(buyer_client))).status_code == 302  # type: ignore[attr-defined]
    order = Order.objects.get()
    url = reverse("buyer-order-change", args=[order.pk])
    page = buyer_client.get(url).content.decode()
    fields = {**form_fields(page), "line_quantity": ["3"], "version": garbled}

    response = buyer_client.post(url, fields)

    assert response.status_code == 400
    assert order.lines.get().quantity == 2
    assert "少し前に誰かがこの注文を変更しました" in response.content.decode()
