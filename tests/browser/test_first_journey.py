from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tsunagu.accounts.models import Membership
from tsunagu.customers.models import Customer
from tsunagu.customers.services import invite_customer
from tsunagu.ops.demo import DEMO_PASSWORD
from tsunagu.ordering.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_buyer_opens_the_site_logs_in_and_sees_the_dashboard(
    page: Page, live_server: object, demo: None
) -> None:
    page.goto(f"{live_server.url}/")  # type: ignore[attr-defined]

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()

    page.get_by_label("メールアドレス").fill("owner@demo-buyer.example")
    page.get_by_label("パスワード", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()

    # The buyer's home: its suppliers, each with its usual orders one tap away.
    expect(page).to_have_url(re.compile(r"/buyer/$"))
    expect(page.locator(".site-header")).to_contain_text("レストラン さくら")
    expect(page.get_by_role("heading", name="つなぐ食品卸 株式会社")).to_be_visible()
    expect(page.get_by_role("link", name="注文する", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_wrong_password_keeps_the_email_and_the_page_fits_the_screen(
    page: Page, live_server: object, demo: None
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
    page.get_by_label("メールアドレス").fill("owner@demo-buyer.example")
    page.get_by_label("パスワード", exact=True).fill("wrong password")
    page.get_by_role("button", name="ログイン", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("正しくありません")
    expect(page.get_by_label("メールアドレス")).to_have_value("owner@demo-buyer.example")
    # Nothing sticks out sideways, and the main button is a comfortable tap target.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.get_by_role("button", name="ログイン", exact=True).bounding_box()
    assert box is not None
    assert box["height"] >= 44


def test_owner_of_two_companies_switches_between_them_in_the_header(
    page: Page, live_server: object, demo: None
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
    page.get_by_label("メールアドレス").fill("owner@demo-supplier.example")
    page.get_by_label("パスワード", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("つなぐ食品卸 株式会社")

    page.locator(".switcher__current").click()
    page.get_by_role("button", name="みなと青果 有限会社").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("みなと青果 有限会社")
    expect(page.get_by_role("status")).to_contain_text("みなと青果 有限会社として操作しています。")
    expect(page.locator(".switcher__current")).to_contain_text("オーナー")


# A person on a phone: about 120 ms a character, a short look before each tap.
TYPING_DELAY_MS = 120
PAUSE_BEFORE_TAP_MS = 400
FIRST_ORDER_GOAL_SECONDS = 60
TIMINGS = Path(__file__).resolve().parents[2] / "test-artifacts" / "first-order-timing.json"


def tap(page: Page, target: Locator) -> None:
    page.wait_for_timeout(PAUSE_BEFORE_TAP_MS)
    target.click()


def type_into(page: Page, target: Locator, text: str) -> None:
    tap(page, target)
    target.press_sequentially(text, delay=TYPING_DELAY_MS)


def record_timing(name: str, seconds: float) -> None:
    TIMINGS.parent.mkdir(exist_ok=True)
    timings = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    timings[name] = round(seconds, 1)
    TIMINGS.write_text(json.dumps(timings, ensure_ascii=False, indent=2) + "\n")
    print(f"first order from an invitation ({name}): {seconds:.1f} s")  # noqa: T201


@pytest.mark.parametrize("page", ["phone"], indirect=True)
@pytest.mark.parametrize("kind", ["email", "link"])
def test_an_invited_restaurant_signs_up_and_sends_its_first_order_within_a_minute(
    page: Page, live_server: object, demo: None, kind: str
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    admin = Membership.objects.get(
        user__email="admin@demo-supplier.example", organization__code="demo-supplier"
    )
    customer = Customer.objects.filter(supplier=admin.organization, buyer__isnull=True).first()
    assert customer is not None
    email = "tencho@hanamichi.example"
    _, token = invite_customer(
        customer,
        actor=admin,
        kind=kind,
        email=email if kind == "email" else "",
        accept_url=lambda token: f"{base}/join/{token}/",
    )
    orders_before = Order.objects.count()

    started = time.monotonic()
    page.goto(f"{base}/join/{token}/")
    # The company name is filled in from the supplier's customer record.
    expect(page.get_by_label("会社名・店舗名")).to_have_value(customer.name)
    if kind == "email":
        expect(page.get_by_label("メールアドレス")).to_have_value(email)
    else:
        type_into(page, page.get_by_label("メールアドレス"), email)
    type_into(page, page.get_by_label("お名前"), "花道 大輔")
    password = page.get_by_label("パスワード", exact=True)
    type_into(page, password, "hanamichi-2026-sake")
    tap(page, page.get_by_role("button", name="表示する"))
    expect(password).to_have_attribute("type", "text")
    tap(page, page.get_by_role("button", name="アカウントを作って始める"))

    expect(page).to_have_url(re.compile(r"/buyer/$"))
    tap(page, page.get_by_role("link", name="商品を探す").first)
    tap(page, page.locator(".product-card").first.get_by_role("button", name="カートに入れる"))
    expect(page.get_by_role("status")).to_contain_text("カートに入れました")
    tap(page, page.get_by_role("link", name=re.compile("カート")).first)
    tap(page, page.get_by_role("button", name="この内容で注文する"))
    expect(page.get_by_role("status")).to_contain_text("注文を送信しました")
    seconds = time.monotonic() - started

    record_timing(kind, seconds)
    assert Order.objects.count() == orders_before + 1
    order = Order.objects.latest("ordered_at")
    assert order.customer_id == customer.pk
    assert seconds < FIRST_ORDER_GOAL_SECONDS
