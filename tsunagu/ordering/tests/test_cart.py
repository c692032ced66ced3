"""The cart page saves what is typed on every line (htmx), each line has a remove button, and a
refused send comes back to the cart's own address with everything typed."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.ordering.models import CartLine, Order
from tsunagu.ordering.tests.factories import cart_contents as cart
from tsunagu.ordering.tests.factories import cart_shop
from tsunagu.ordering.tests.test_shop_pages import form_fields

pytestmark = pytest.mark.django_db
NOW = "2026-11-26 10:00 +0900"


@pytest.fixture
def shop(supplier: Organization, buyer: Organization, buyer_member: Membership) -> SimpleNamespace:
    return cart_shop(supplier, buyer, sake_by_piece=True)


def put(client: Client, product: object, quantity: int, unit: str = "piece") -> None:
    client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": product.pk, "quantity": str(quantity), "unit": unit},  # type: ignore[attr-defined]
    )


def cart_fields(client: Client) -> dict[str, object]:
    page = client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    fields = form_fields(page)
    # The unit of a product sold both ways is a select: send what it shows.
    fields["line_unit"] = [line.order_unit for line in CartLine.objects.order_by("created_at")]
    return fields


UPDATE = reverse("buyer-cart-update", args=["test-supplier"])


def test_plus_on_one_line_keeps_the_number_typed_on_another(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    put(buyer_client, shop.cabbage, 2)
    put(buyer_client, shop.onion, 1)
    fields = cart_fields(buyer_client)
    cabbage_line, onion_line = (str(pk) for pk in fields["line_cart"])  # type: ignore[attr-defined]
    fields["line_quantity"] = ["7", "1"]  # typed on the cabbage, not saved yet

    response = buyer_client.post(
        UPDATE, {**fields, "action": f"more:{onion_line}"}, headers={"HX-Request": "true"}
    )

    assert cart() == [("V1", "piece", 7), ("V2", "piece", 2)]
    page = response.content.decode()
    # Only the amounts, the totals, the send bar and the pressed line's number come back: the
    # number being typed on another line is never replaced.
    assert "<html" not in page
    assert 'id="cart-items"' not in page
    assert 'id="send-bar" hx-swap-oob="true"' in page
    assert 'id="totals" hx-swap-oob="true"' in page
    assert page.count('name="line_quantity"') == 1
    assert re.search(r'name="line_quantity" value="2"[^>]*hx-swap-oob="true"', page)
    assert "¥1,626<" in page  # 7 × 198 + 2 × 120
    assert cabbage_line


def test_without_javascript_the_steppers_save_every_line_and_come_back(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    put(buyer_client, shop.cabbage, 2)
    put(buyer_client, shop.onion, 3)
    fields = cart_fields(buyer_client)
    cabbage_line = str(fields["line_cart"][0])  # type: ignore[index]
    fields["line_quantity"] = ["2", "9"]

    response = buyer_client.post(UPDATE, {**fields, "action": f"less:{cabbage_line}"})

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("buyer-cart", args=["test-supplier"])
    assert cart() == [("V1", "piece", 1), ("V2", "piece", 9)]


def test_each_line_has_a_remove_button(buyer_client: Client, shop: SimpleNamespace) -> None:
    put(buyer_client, shop.cabbage, 2)
    put(buyer_client, shop.onion, 3)
    fields = cart_fields(buyer_client)
    page = buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    onion_line = str(fields["line_cart"][1])  # type: ignore[index]
    assert f'value="remove:{onion_line}"' in page
    assert page.count(">外す</button>") == 2

    buyer_client.post(UPDATE, {**fields, "action": f"remove:{onion_line}"})

    assert cart() == [("V1", "piece", 2)]


def test_the_unit_of_a_line_can_be_changed_in_the_cart(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    put(buyer_client, shop.sake, 2)
    fields = cart_fields(buyer_client)
    page = buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    assert '<select id="u-' in page

    buyer_client.post(UPDATE, {**fields, "line_unit": ["case"], "action": "save"})

    assert cart() == [("D1", "case", 2)]


def test_an_unreadable_number_is_kept_as_typed_and_the_saved_one_stays(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    put(buyer_client, shop.cabbage, 2)
    fields = cart_fields(buyer_client)

    response = buyer_client.post(
        UPDATE, {**fields, "line_quantity": ["２x"]}, headers={"HX-Request": "true"}
    )

    assert cart() == [("V1", "piece", 2)]
    assert "数量は数字で入力してください。" in response.content.decode()
    # Coming back to the page shows the saved number.
    assert 'name="line_quantity" value="2"' in (
        buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    )


@time_machine.travel(NOW, tick=False)
def test_a_refused_send_comes_back_to_the_cart_with_its_steppers_and_typed_values(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    put(buyer_client, shop.cabbage, 2)
    fields = cart_fields(buyer_client)
    fields["line_quantity"] = ["5"]
    fields["note"] = "裏口へ"
    fields["delivery_date"] = "2026-11-29"  # a Sunday: closed

    response = buyer_client.post(reverse("buyer-send", args=["test-supplier"]), fields, follow=True)

    assert response.redirect_chain == [(reverse("buyer-cart", args=["test-supplier"]), 302)]
    page = response.content.decode()
    assert "この日には納品できません" in page
    assert 'value="more:' in page
    assert 'name="line_quantity" value="5"' in page
    assert "裏口へ</textarea>" in page
    assert cart() == [("V1", "piece", 5)]
    assert not Order.objects.exists()
    # A reload shows the cart as saved, and never sends.
    assert buyer_client.get(reverse("buyer-send", args=["test-supplier"])).status_code == 302


def test_a_case_only_line_in_pieces_offers_the_case_and_changes_to_it(
    buyer_client: Client, shop: SimpleNamespace, buyer_member: Membership
) -> None:
    # A line put in by the piece before the supplier sold it by the case only.
    put(buyer_client, shop.sake, 3)
    shop.sake.sold_by_piece = False
    shop.sake.save()

    page = buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    assert "この商品はケース単位でのみ注文できます。" in page
    assert re.search(r'<select id="u-[^"]+-piece" name="line_unit"', page)
    assert '<option value="case">ケース</option>' in page
    fields = cart_fields(buyer_client)

    buyer_client.post(UPDATE, {**fields, "line_unit": ["case"]})

    assert cart() == [("D1", "case", 3)]


def test_a_product_hidden_from_the_customer_cannot_be_a_usual_item_and_is_not_named(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    from tsunagu.catalog.models import Product
    from tsunagu.ordering.models import Favourite

    shop.onion.visibility = Product.Visibility.SELECTED
    shop.onion.save()
    missing = buyer_client.post(
        reverse("buyer-favourite", args=["01a23ecc-0000-7000-8000-000000000000"])
    )

    response = buyer_client.post(reverse("buyer-favourite", args=[shop.onion.pk]), follow=True)

    assert response.status_code == missing.status_code == 404
    assert "玉ねぎ" not in response.content.decode()
    assert not Favourite.objects.exists()
