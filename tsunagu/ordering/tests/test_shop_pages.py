from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.ordering.models import CartLine, Favourite, Order
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db

# Thursday 26 November 2026, 10:00 in Tokyo: Friday the 27th is the earliest delivery.
NOW = "2026-11-26 10:00 +0900"


@pytest.fixture
def shop(supplier: Organization, buyer: Organization, buyer_member: Membership) -> SimpleNamespace:
    customer, location = linked_customer(supplier, buyer, name="テスト食堂")
    cabbage = ProductFactory.create(
        supplier=supplier,
        product_code="V1",
        name="キャベツ",
        name_kana="キャベツ",
        unit="玉",
        unit_price=Decimal("198"),
        category="野菜",
    )
    chopsticks = ProductFactory.create(
        supplier=supplier,
        product_code="H1",
        name="割り箸",
        unit="袋",
        unit_price=Decimal("12.5"),
        tax_rate=10,
        min_quantity=3,
        category="日用品",
    )
    return SimpleNamespace(
        customer=customer, location=location, cabbage=cabbage, chopsticks=chopsticks
    )


def one(pattern: str, page: str) -> str:
    match = re.search(pattern, page)
    assert match is not None, pattern
    return match.group(1)


def form_fields(page: str) -> dict[str, object]:
    """The confirmation form's values as a browser would send them."""
    fields: dict[str, object] = {
        "idempotency_key": one(r'name="idempotency_key" value="(\w+)"', page),
        "source": one(r'name="source" value="(\w+)"', page),
        "line_product": re.findall(r'name="line_product" value="([\w-]+)"', page),
        "line_cart": re.findall(r'name="line_cart" value="([\w-]+)"', page),
        "line_unit": re.findall(r'name="line_unit" value="(\w+)"', page),
        "line_note": re.findall(r'name="line_note" value="([^"]*)"', page),
        "line_quantity": re.findall(r'name="line_quantity" value="(\d+)"', page),
        "line_price": re.findall(r'name="line_price" value="([\d.]*)"', page),
        "delivery_date": one(r'name="delivery_date" value="([\d-]+)" checked', page),
        "location": one(r'name="location" value="([\w-]+)"', page),
    }
    return fields


@time_machine.travel(NOW, tick=False)
def test_add_to_cart_with_full_width_digits_and_send(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    add = reverse("buyer-cart-add", args=["test-supplier"])
    buyer_client.post(add, {"product": shop.cabbage.pk, "quantity": "１０", "unit": "piece"})
    assert CartLine.objects.get().quantity == 10

    page = buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    assert 'value="2026-11-27" checked' in page
    response = buyer_client.post(
        reverse("buyer-send", args=["test-supplier"]), form_fields(page), follow=True
    )

    order = Order.objects.get()
    assert "注文を送信しました(受注番号 S-000001)" in response.content.decode()
    assert order.lines.get().quantity == 10
    assert not CartLine.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_same_confirmation_sent_twice_makes_one_order(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "2"},
    )
    fields = form_fields(
        buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    )

    first = buyer_client.post(reverse("buyer-send", args=["test-supplier"]), fields)
    second = buyer_client.post(reverse("buyer-send", args=["test-supplier"]), fields)

    assert Order.objects.count() == 1
    assert first.headers["Location"] == second.headers["Location"]


@time_machine.travel(NOW, tick=False)
def test_a_line_below_the_minimum_is_marked_and_the_input_kept(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.chopsticks.pk, "quantity": "3"},
    )
    fields = form_fields(
        buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    )
    fields["line_quantity"] = ["2"]
    fields["note"] = "午前中にお願いします"

    response = buyer_client.post(reverse("buyer-send", args=["test-supplier"]), fields, follow=True)

    # The cart's own address again, with what was typed and what is wrong.
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("buyer-cart", args=["test-supplier"]), 302)]
    assert "1回の注文は3袋からです。" in page
    assert 'name="line_quantity" value="2"' in page
    assert "午前中にお願いします</textarea>" in page
    assert not Order.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_closed_or_past_date_is_refused_on_the_spot(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "1"},
    )
    fields = form_fields(
        buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    )

    for day, message in (
        ("2026-11-25", "この日付は過ぎています"),
        ("2026-11-29", "この日には納品できません"),
        ("2026-11-25", "次に納品できる日は 11/27 (金) です。"),
        ("2026-11-29", "次に納品できる日は 11/30 (月) です。"),
    ):
        response = buyer_client.post(
            reverse("buyer-send", args=["test-supplier"]),
            {**fields, "delivery_date": day},
            follow=True,
        )
        assert message in response.content.decode()
    assert not Order.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_home_offers_the_usual_order_and_sends_it_again(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "4"},
    )
    fields = form_fields(
        buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    )
    buyer_client.post(reverse("buyer-send", args=["test-supplier"]), fields)
    first = Order.objects.get()

    home = buyer_client.get(reverse("buyer-home")).content.decode()
    assert "本日15:00までのご注文で 11/27 (金) にお届けします。" in home
    again = buyer_client.get(reverse("buyer-reorder", args=[first.pk])).content.decode()
    buyer_client.post(reverse("buyer-send", args=["test-supplier"]), form_fields(again))

    assert Order.objects.count() == 2
    assert [line.quantity for line in Order.objects.latest("number").lines.all()] == [4]


@time_machine.travel(NOW, tick=False)
def test_home_and_catalogue_use_a_fixed_number_of_queries(
    buyer_client: Client, shop: SimpleNamespace, supplier: Organization
) -> None:
    buyer_client.get(reverse("buyer-home"))

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert buyer_client.get(url).status_code == 200
        return len(context.captured_queries)

    home, catalogue = (
        count(reverse("buyer-home")),
        count(reverse("buyer-catalogue", args=["test-supplier"])),
    )
    ProductFactory.create_batch(40, supplier=supplier)

    assert count(reverse("buyer-home")) == home
    assert count(reverse("buyer-catalogue", args=["test-supplier"])) == catalogue


def test_catalogue_search_prices_and_hidden_prices(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    page = buyer_client.get(
        reverse("buyer-catalogue", args=["test-supplier"]), {"q": "ｷｬﾍﾞﾂ"}
    ).content.decode()
    assert "キャベツ" in page
    assert "割り箸" not in page
    assert "¥198" in page

    customer = shop.customer
    customer.hide_prices = True
    customer.save()
    page = buyer_client.get(reverse("buyer-catalogue", args=["test-supplier"])).content.decode()
    assert "¥198" not in page
    assert "3袋から" in page


def test_quick_order_lists_unknown_codes(buyer_client: Client, shop: SimpleNamespace) -> None:
    response = buyer_client.post(
        reverse("buyer-quick-order", args=["test-supplier"]), {"lines": "v1 ５\nZZZ 2\n"}
    )

    page = response.content.decode()
    assert "ZZZ" in page
    assert CartLine.objects.get().quantity == 5


def test_favourites_toggle(buyer_client: Client, shop: SimpleNamespace) -> None:
    url = reverse("buyer-favourite", args=[shop.cabbage.pk])
    buyer_client.post(url)
    assert Favourite.objects.count() == 1
    buyer_client.post(url)
    assert not Favourite.objects.exists()


def test_a_supplier_cannot_use_the_buyer_pages(
    supplier_admin: Membership, shop: SimpleNamespace
) -> None:
    assert client_for(supplier_admin).get(reverse("buyer-home")).status_code == 403


def test_products_not_shown_to_this_customer_cannot_be_added(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    hidden = Product.objects.get(product_code="H1")
    hidden.visibility = Product.Visibility.SELECTED
    hidden.save()

    response = buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]), {"product": hidden.pk, "quantity": "3"}
    )

    assert response.status_code == 404
    assert not CartLine.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_price_changed_while_the_cart_waited_is_shown_and_never_applied_silently(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "2"},
    )
    Product.objects.filter(pk=shop.cabbage.pk).update(unit_price=Decimal("220"))

    page = buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    assert "追加したときから価格が変わりました(以前は¥198)。" in page
    fields = form_fields(page)
    Product.objects.filter(pk=shop.cabbage.pk).update(unit_price=Decimal("230"))

    refused = buyer_client.post(reverse("buyer-send", args=["test-supplier"]), fields, follow=True)
    assert "価格が¥220から¥230に変わりました。" in refused.content.decode()
    assert not Order.objects.exists()
    buyer_client.post(
        reverse("buyer-send", args=["test-supplier"]), form_fields(refused.content.decode())
    )
    assert Order.objects.get().lines.get().unit_price == Decimal("230")


@time_machine.travel(NOW, tick=False)
def test_steppers_and_line_notes(buyer_client: Client, shop: SimpleNamespace) -> None:
    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "2"},
    )
    line = CartLine.objects.get()

    buyer_client.post(reverse("buyer-cart-line", args=[line.pk]), {"action": "more"})
    buyer_client.post(reverse("buyer-cart-line", args=[line.pk]), {"action": "more"})
    buyer_client.post(reverse("buyer-cart-line", args=[line.pk]), {"action": "less"})
    line.refresh_from_db()
    assert line.quantity == 3

    fields = form_fields(
        buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    )
    fields["line_note"] = ["半分に切って"]
    buyer_client.post(reverse("buyer-send", args=["test-supplier"]), fields)
    assert Order.objects.get().lines.get().note == "半分に切って"


def test_quick_order_from_a_small_csv_file(buyer_client: Client, shop: SimpleNamespace) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "order.csv", "V1,4\r\nH1,6\r\n".encode("cp932"), content_type="text/csv"
    )

    buyer_client.post(reverse("buyer-quick-order", args=["test-supplier"]), {"file": upload})

    assert sorted(CartLine.objects.values_list("product__product_code", "quantity")) == [
        ("H1", 6),
        ("V1", 4),
    ]


@time_machine.travel(NOW, tick=False)
def test_the_cart_uses_a_fixed_number_of_queries(
    buyer_client: Client, shop: SimpleNamespace, supplier: Organization
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert (
                buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).status_code == 200
            )
        return len(context.captured_queries)

    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "2"},
    )
    count()
    few = count()
    for product in ProductFactory.create_batch(15, supplier=supplier):
        buyer_client.post(
            reverse("buyer-cart-add", args=["test-supplier"]),
            {"product": product.pk, "quantity": "1"},
        )

    assert count() == few


@time_machine.travel(NOW, tick=False)
def test_the_suppliers_own_questions_are_asked_validated_and_kept(
    buyer_client: Client, supplier_client: Client, shop: SimpleNamespace
) -> None:
    supplier_client.post(
        reverse("order-form-fields"),
        {
            "label": "納品時間帯",
            "key": "slot",
            "kind": "choice",
            "choices": "午前\n午後",
            "is_required": "on",
        },
    )
    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "1"},
    )
    page = buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
    assert "納品時間帯" in page
    fields = form_fields(page)

    missing = buyer_client.post(
        reverse("buyer-send", args=["test-supplier"]), {**fields, "note": "裏口へ"}, follow=True
    )
    assert 'id="id_form-slot_error"' in missing.content.decode()
    assert "裏口へ</textarea>" in missing.content.decode()
    assert not Order.objects.exists()

    buyer_client.post(
        reverse("buyer-send", args=["test-supplier"]), {**fields, "form-slot": "午後"}
    )
    order = Order.objects.get()
    assert order.form_values == {"納品時間帯": "午後"}
    assert (
        "午後" in buyer_client.get(reverse("buyer-order-detail", args=[order.pk])).content.decode()
    )


@time_machine.travel(NOW, tick=False)
def test_an_order_not_yet_accepted_is_changed_in_place(
    buyer_client: Client, shop: SimpleNamespace, supplier_admin: Membership
) -> None:
    from tsunagu.ordering.services import move_order

    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "2"},
    )
    buyer_client.post(
        reverse("buyer-send", args=["test-supplier"]),
        form_fields(
            buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
        ),
    )
    order = Order.objects.get()
    url = reverse("buyer-order-change", args=[order.pk])
    fields = form_fields(buyer_client.get(url).content.decode())
    fields["line_quantity"] = ["6"]
    fields["version"] = str(order.version)

    buyer_client.post(url, fields)

    order.refresh_from_db()
    assert (order.number, order.lines.get().quantity, order.version) == ("S-000001", 6, 2)
    stale = buyer_client.post(url, {**fields, "line_quantity": ["7"]})
    assert "少し前に誰かがこの注文を変更しました" in stale.content.decode()
    move_order(order, to_status="accepted", actor=supplier_admin)
    late = buyer_client.post(url, {**fields, "version": "3", "line_quantity": ["8"]})
    assert "受注確定済み" in late.content.decode()
    assert order.lines.get().quantity == 6


@time_machine.travel(NOW, tick=False)
def test_the_usual_items_are_offered_at_their_last_quantities(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    buyer_client.post(
        reverse("buyer-cart-add", args=["test-supplier"]),
        {"product": shop.cabbage.pk, "quantity": "7"},
    )
    buyer_client.post(
        reverse("buyer-send", args=["test-supplier"]),
        form_fields(
            buyer_client.get(reverse("buyer-cart", args=["test-supplier"])).content.decode()
        ),
    )
    buyer_client.post(reverse("buyer-favourite", args=[shop.cabbage.pk]))
    buyer_client.post(reverse("buyer-favourite", args=[shop.chopsticks.pk]))

    page = buyer_client.get(reverse("buyer-usual-items", args=["test-supplier"])).content.decode()

    fields = form_fields(page)
    assert sorted(zip(fields["line_product"], fields["line_quantity"], strict=True)) == sorted(  # type: ignore[call-overload]
        [(str(shop.cabbage.pk), "7"), (str(shop.chopsticks.pk), "3")]
    )
