"""The upper limit and the "are you sure?" of an unusual order hold on every way an order or a
cart line is made: changing a sent order, a line left at 0, a cart save after the tick, the
cart line as it will be after adding, a case-only usual item, and a quick-order file too large."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.ordering.models import CartLine, Order
from tsunagu.ordering.rules import LineRequest, check_lines, unusual
from tsunagu.ordering.tests.factories import cart_contents as cart
from tsunagu.ordering.tests.factories import cart_shop
from tsunagu.ordering.tests.test_quantities import add, cart_page, send
from tsunagu.ordering.tests.test_shop_pages import form_fields

pytestmark = pytest.mark.django_db
NOW = "2026-11-26 10:00 +0900"
TOKEN = re.compile(r'name="unusual_ok" value="(\w+)"')


@pytest.fixture
def shop(supplier: Organization, buyer: Organization, buyer_member: Membership) -> SimpleNamespace:
    return cart_shop(supplier, buyer, sake_by_piece=False)


def usual_cabbage_orders(client: Client, shop: SimpleNamespace) -> None:
    """Three orders of 4 キャベツ: the buyer's usual."""
    for _ in range(3):
        add(client, shop.cabbage, "4")
        assert send(client, form_fields(cart_page(client))).status_code == 302  # type: ignore[attr-defined]


@time_machine.travel(NOW, tick=False)
def test_changing_an_order_to_ten_times_the_usual_asks_before_saving(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    usual_cabbage_orders(buyer_client, shop)
    order = Order.objects.latest("number")
    url = reverse("buyer-order-change", args=[order.pk])
    page = buyer_client.get(url).content.decode()
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    fields = {**form_fields(page), "version": version.group(1), "line_quantity": ["40"]}

    asked = buyer_client.post(url, fields)

    assert asked.status_code == 400
    asked_page = asked.content.decode()
    assert "いつもより多い注文です" in asked_page
    assert order.lines.get().quantity == 4  # nothing saved without the tick
    token = TOKEN.search(asked_page)
    assert token is not None
    saved = buyer_client.post(url, {**fields, "unusual_ok": token.group(1)})
    assert saved.status_code == 302
    assert order.lines.get().quantity == 40


def test_a_line_left_at_0_does_not_change_what_the_tick_confirms(shop: SimpleNamespace) -> None:
    big = LineRequest(shop.cabbage, 400, "piece")
    left_out = LineRequest(shop.onion, 0, "piece")

    usual = {shop.cabbage.pk: 4}

    on_the_page = unusual(
        check_lines(shop.customer, [big, left_out]), usual_pieces=usual, usual_subtotal=None
    )
    sent = unusual(check_lines(shop.customer, [big]), usual_pieces=usual, usual_subtotal=None)

    assert on_the_page.token
    assert on_the_page.token == sent.token


@time_machine.travel(NOW, tick=False)
def test_the_tick_stays_when_the_cart_saves_a_note_as_it_is_typed(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    usual_cabbage_orders(buyer_client, shop)
    add(buyer_client, shop.cabbage, "40")
    page = cart_page(buyer_client)
    token = TOKEN.search(page)
    assert token is not None
    fields = {**form_fields(page), "unusual_ok": token.group(1), "line_note": ["半分に切って"]}

    saved = buyer_client.post(
        reverse("buyer-cart-update", args=["test-supplier"]), fields, HTTP_HX_REQUEST="true"
    )

    assert saved.status_code == 200
    box = re.search(r'<input type="checkbox" name="unusual_ok"[^>]*>', saved.content.decode())
    assert box is not None
    assert "checked" in box.group(0)
    del fields["unusual_ok"]
    unticked = buyer_client.post(
        reverse("buyer-cart-update", args=["test-supplier"]), fields, HTTP_HX_REQUEST="true"
    )
    box = re.search(r'<input type="checkbox" name="unusual_ok"[^>]*>', unticked.content.decode())
    assert box is not None
    assert "checked" not in box.group(0)


def test_the_limit_holds_for_the_cart_line_as_it_will_be(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    shop.cabbage.max_quantity = 50
    shop.cabbage.save()
    add(buyer_client, shop.cabbage, "30")

    page = add(buyer_client, shop.cabbage, "30")

    assert "1回の注文は50玉までです。" in page
    assert cart() == [("V1", "piece", 30)]
    quick = buyer_client.post(
        reverse("buyer-quick-order", args=["test-supplier"]), {"lines": "V1 21\nV2 2"}
    ).content.decode()
    assert "1回の注文は50玉までです。" in quick
    assert cart() == [("V1", "piece", 30), ("V2", "piece", 2)]
    add(buyer_client, shop.cabbage, "20")
    fields = form_fields(cart_page(buyer_client))
    line = str(CartLine.objects.get(product=shop.cabbage).pk)
    more = buyer_client.post(
        reverse("buyer-cart-update", args=["test-supplier"]),
        {**fields, "action": f"more:{line}"},
        HTTP_HX_REQUEST="true",
    )
    assert "1回の注文は50玉までです。" in more.content.decode()
    assert CartLine.objects.get(product=shop.cabbage).quantity == 50


def test_a_case_only_usual_item_without_history_is_offered_by_the_case(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    buyer_client.post(reverse("buyer-favourite", args=[shop.sake.pk]))

    page = buyer_client.get(reverse("buyer-usual-items", args=["test-supplier"])).content.decode()

    assert form_fields(page)["line_unit"] == ["case"]
    assert "ケース単位でのみ" not in page


def test_a_quick_order_file_above_1_mb_is_refused_in_words(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    big = SimpleUploadedFile("order.csv", b"V1,1\n" * 220_000, content_type="text/csv")

    page = buyer_client.post(
        reverse("buyer-quick-order", args=["test-supplier"]), {"file": big}, follow=True
    ).content.decode()

    assert "1MBより大きい" in page
    assert cart() == []
