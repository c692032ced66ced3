from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_journeys import log_in, open_menu
from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import Product
from tsunagu.ops.demo import DEMO_PASSWORD
from tsunagu.ordering.models import Order, OrderStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("page", ["phone"], indirect=True),
]


@pytest.fixture
def demo(db: None) -> None:
    call_command("seed_demo", verbosity=0)


def test_the_demo_buyer_sends_its_usual_order_again_in_two_taps(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/buyer/$"))
    before = Order.objects.count()

    page.get_by_role("link", name="もう一度注文").first.click()  # tap 1
    expect(page.get_by_role("heading", level=1)).to_have_text("確認して送信")
    expect(page.locator(".date-choice input:checked")).to_have_count(1)
    page.get_by_role("button", name="この内容で注文する").click()  # tap 2

    expect(page.get_by_role("status")).to_contain_text("注文を送信しました(受注番号 S-")
    assert Order.objects.count() == before + 1


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
    page.goto(f"{base}/buyer/s/demo-supplier/cart/")
    page.get_by_role("button", name="この内容で注文する").click()

    line = page.locator(".order-line--bad")
    expect(line).to_contain_text("1回の注文は5袋からです。")
    line.locator("input[name=line_quantity]").fill("５")
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
    expect(page.get_by_role("status")).to_contain_text("管理者が承認すると仕入先に送られます")
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
