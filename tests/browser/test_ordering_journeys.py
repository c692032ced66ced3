from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_journeys import log_in, open_menu
from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import Product
from tsunagu.ops.demo import DEMO_PASSWORD
from tsunagu.ordering.models import CartLine, Order, OrderStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("page", ["phone"], indirect=True),
]


def test_the_demo_buyer_sends_its_usual_order_again_in_two_taps(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/buyer/$"))
    before = Order.objects.count()
    # The usual orders say what is in them, not only a date and a place.
    expect(page.locator(".usual__items").first).not_to_be_empty()
    screen(page, "buyer-home")

    page.get_by_role("link", name="もう一度注文").first.click()  # tap 1
    expect(page.get_by_role("heading", level=1)).to_have_text("確認して送信")
    expect(page.locator(".date-choice input:checked")).to_have_count(1)
    page.get_by_role("button", name="この内容で注文する").click()  # tap 2

    expect(page.get_by_role("status")).to_contain_text("注文を送信しました(受注番号 S-")
    assert Order.objects.count() == before + 1
    # After sending, the main button goes home; ordering the same again is secondary.
    expect(page.locator("#home-link")).to_have_class(re.compile("btn--primary"))
    expect(page.locator("#reorder-link")).to_have_class(re.compile("btn--secondary"))
    # ... and it is on the first screen of a phone, not below the items.
    home = page.locator("#home-link").bounding_box()
    viewport = page.viewport_size
    assert home is not None
    assert viewport is not None
    assert home["y"] + home["height"] <= viewport["height"]
    screen(page, "buyer-order-sent")


def test_a_new_order_through_search_a_case_and_a_chosen_date(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "staff@demo-buyer.example", DEMO_PASSWORD)
    page.locator(".supplier-card", has_text="つなぐ食品卸").get_by_role(
        "link", name="商品を探す"
    ).click()
    page.get_by_role("searchbox").fill("たまねぎ")
    page.get_by_role("button", name="検索する").click()

    card = page.locator(".product-card", has_text="玉ねぎ 1kg")
    card.locator("select[name=unit]").select_option("case")
    card.locator("input[name=quantity]").fill("2")
    card.get_by_role("button", name="カートに入れる").click()
    expect(page.get_by_role("status")).to_contain_text(
        "玉ねぎ 1kg × 2ケース をカートに入れました。"
    )

    page.get_by_role("link", name=re.compile("カート")).first.click()
    second = page.locator(".date-choice").nth(1)
    chosen = second.locator("input").get_attribute("value")
    second.click()
    page.get_by_role("button", name="この内容で注文する").click()

    expect(page.get_by_role("status")).to_contain_text("注文を送信しました")
    order = Order.objects.latest("ordered_at")
    line = order.lines.get()
    assert (line.product_code, line.order_unit, line.quantity, line.pieces) == (
        "V002",
        "case",
        2,
        40,
    )
    assert order.requested_delivery_date.isoformat() == chosen


def test_an_order_below_the_minimum_is_corrected_on_the_spot(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    Product.objects.filter(supplier__code="demo-supplier", product_code="S011").update(
        min_quantity=5
    )
    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    page.goto(f"{base}/buyer/s/demo-supplier/?q=しお")
    card = page.locator(".product-card", has_text="塩 1kg")
    expect(card).to_contain_text("5袋から")
    card.locator("input[name=quantity]").fill("2")
    card.get_by_role("button", name="カートに入れる").click()
    expect(card.get_by_role("status")).to_contain_text("カートに入れました")
    page.goto(f"{base}/buyer/s/demo-supplier/cart/")
    page.get_by_role("button", name="この内容で注文する").click()

    line = page.locator(".order-line--bad")
    expect(line).to_contain_text("1回の注文は5袋からです。")
    line.locator("input[name=line_quantity]").fill("５")
    # The cart saves the typed number by itself (htmx); the test's in-memory database takes one
    # request at a time, so the send waits for that save as a person's next tap would.
    line.locator("input[name=line_quantity]").press("Tab")
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="この内容で注文する").click()

    expect(page.get_by_role("status")).to_contain_text("注文を送信しました")
    assert Order.objects.latest("ordered_at").lines.get().quantity == 5


def test_a_big_order_by_a_member_waits_for_the_owners_approval(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    Organization.objects.filter(code="demo-buyer").update(approval_threshold=Decimal("1000"))
    log_in(page, base, "staff@demo-buyer.example", DEMO_PASSWORD)
    page.get_by_role("link", name="もう一度注文").first.click()
    page.get_by_role("button", name="この内容で注文する").click()
    expect(page.get_by_role("status")).to_contain_text("管理者が承認すると受注企業に送られます")
    order = Order.objects.latest("ordered_at")
    assert order.status == OrderStatus.PENDING_APPROVAL

    open_menu(page, "ログアウト")
    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    open_menu(page, "注文履歴")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("button", name="承認して送信").click()

    expect(page.get_by_role("status")).to_contain_text(f"注文 {order.number} を承認し")
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED


SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def screen(page: Page, name: str) -> None:
    """With TSUNAGU_SCREENS=1, keep the screen as docs/screens/NAME.png (the docs' pictures)."""
    if os.environ.get("TSUNAGU_SCREENS"):
        page.screenshot(path=str(SCREENS / f"{name}.png"))


def test_quick_order_with_a_bad_line_never_puts_the_good_ones_in_twice(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "staff@demo-buyer.example", DEMO_PASSWORD)
    page.goto(f"{base}/buyer/s/demo-supplier/")
    page.get_by_role("link", name="商品コードでまとめて注文").first.click()
    box = page.get_by_label("商品コードと数量")
    box.fill("V001 5\nZZZ9 2\nV002 3")
    page.get_by_role("button", name="カートに入れる").click()

    expect(page.get_by_role("status")).to_contain_text("2件をカートに入れました。")
    expect(page.locator("#quick-left")).to_contain_text("ZZZ9 2")
    expect(box).to_have_value("ZZZ9 2")
    box.fill("V003 1")
    page.get_by_role("button", name="カートに入れる").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("確認して送信")
    quantities = {
        code: line.quantity
        for code, line in (
            (line.product.product_code, line) for line in CartLine.objects.select_related("product")
        )
    }
    assert quantities == {"V001": 5, "V002": 3, "V003": 1}


def _cart_with_two_lines(page: Page, base: str) -> None:
    log_in(page, base, "staff@demo-buyer.example", DEMO_PASSWORD)
    page.goto(f"{base}/buyer/s/demo-supplier/quick/")
    page.get_by_label("商品コードと数量").fill("V001 2\nV003 1")
    page.get_by_role("button", name="カートに入れる").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("確認して送信")


def test_a_number_typed_in_the_cart_survives_plus_on_another_line_and_a_remove(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _cart_with_two_lines(page, base)
    first, second = page.locator(".order-line").nth(0), page.locator(".order-line").nth(1)

    first.locator("input[name=line_quantity]").fill("7")
    second.get_by_role("button", name=re.compile("を1つ増やす")).click()

    expect(second.locator("input[name=line_quantity]")).to_have_value("2")
    expect(page.locator(".order-line").nth(0).locator("input[name=line_quantity]")).to_have_value(
        "7"
    )
    page.reload()
    lines = page.locator(".order-line")
    expect(lines.nth(0).locator("input[name=line_quantity]")).to_have_value("7")
    expect(lines.nth(1).locator("input[name=line_quantity]")).to_have_value("2")

    lines.nth(1).get_by_role("button", name="外す").click()
    expect(page.locator(".order-line")).to_have_count(1)
    assert CartLine.objects.count() == 1
    page.get_by_role("button", name="この内容で注文する").click()
    expect(page.get_by_role("status")).to_contain_text("注文を送信しました")
    assert Order.objects.latest("ordered_at").lines.get().quantity == 7


def test_the_send_bar_stays_on_a_phone_screen_and_the_items_come_first(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _cart_with_two_lines(page, base)
    height = page.viewport_size["height"] if page.viewport_size else 844

    for scroll in (0, 600, 1200):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        box = page.get_by_role("button", name="この内容で注文する").bounding_box()
        assert box is not None
        assert box["y"] >= 0, scroll
        assert box["y"] + box["height"] <= height, scroll
        expect(page.locator("#send-bar")).to_contain_text("合計(税込)")
    items = page.locator("#cart-items").bounding_box()
    dates = page.locator("#delivery").bounding_box()
    assert items is not None
    assert dates is not None
    assert items["y"] < dates["y"]
    page.evaluate("window.scrollTo(0, 0)")
    screen(page, "buyer-confirm-phone")
    page.locator("#delivery").scroll_into_view_if_needed()
    screen(page, "buyer-cart")


def test_adding_to_the_cart_and_to_the_usual_items_keeps_the_place_in_the_catalogue(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "staff@demo-buyer.example", DEMO_PASSWORD)
    page.goto(f"{base}/buyer/s/demo-supplier/")
    card = page.locator(".product-card").nth(12)
    card.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 1000
    count = CartLine.objects.count()

    card.get_by_role("button", name="カートに入れる").click()

    expect(card.get_by_role("status")).to_contain_text("をカートに入れました。")
    expect(page.locator("#cart-link")).to_contain_text(f"カート({count + 1})")
    assert page.evaluate("window.scrollY") == before
    card.get_by_role("button", name=re.compile("いつもの")).click()
    expect(card.get_by_role("status")).to_contain_text("いつもの商品に")
    assert page.evaluate("window.scrollY") == before
    page.evaluate("window.scrollTo(0, 0)")
    screen(page, "buyer-catalogue")
