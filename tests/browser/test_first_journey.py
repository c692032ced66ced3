from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tsunagu.accounts.models import Membership
from tsunagu.bench import phone
from tsunagu.customers.models import Customer
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


@pytest.mark.parametrize("page", ["phone"], indirect=True)
@pytest.mark.parametrize("kind", ["email", "link"])
def test_an_invited_restaurant_signs_up_and_sends_its_first_order_at_a_persons_pace(
    page: Page, live_server: object, demo: None, kind: str
) -> None:
    # How long this takes is measured by `make bench` (first_order_from_invitation_<kind>_s).
    base = live_server.url  # type: ignore[attr-defined]
    admin = Membership.objects.get(
        user__email="admin@demo-supplier.example", organization__code="demo-supplier"
    )
    customer = Customer.objects.filter(supplier=admin.organization, buyer__isnull=True).first()
    assert customer is not None
    email = "tencho@hanamichi.example"
    _, token = phone.invite(customer, admin, base=base, kind=kind, email=email)
    orders_before = Order.objects.count()

    phone.first_order(
        page,
        f"{base}/join/{token}/",
        company=customer.name,
        email=email,
        email_filled=kind == "email",
    )

    assert Order.objects.count() == orders_before + 1
    order = Order.objects.latest("ordered_at")
    assert order.customer_id == customer.pk
    assert order.placed_by is not None
    assert order.placed_by.email == email
