"""A person types a number too large, or a registration number with a wrong check digit: the
page says so next to the field, in Japanese, keeps what was typed, and saves once it is right."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_journeys import log_in
from tsunagu.catalog.models import Product
from tsunagu.customers.models import Customer
from tsunagu.ops.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_huge_price_is_refused_next_to_the_field_and_a_right_one_is_saved(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    page.goto(f"{base}/supplier/products/new/")

    page.get_by_label("商品コード").fill("BIG-1")
    page.get_by_label("商品名", exact=True).fill("業務用 だし 1kg")
    page.get_by_label("単価(税抜)").fill("１２３４５６７８９０１２３４５６７８９０１２３")
    page.get_by_role("button", name="保存する").click()

    expect(page.locator("#id_unit_price_error")).to_have_text(
        "0 から 9,999,999.99 までの数を入れてください。"
    )
    expect(page.get_by_label("商品名", exact=True)).to_have_value("業務用 だし 1kg")
    assert not Product.objects.filter(product_code="BIG-1").exists()

    page.get_by_label("単価(税抜)").fill("１，２００")
    page.get_by_role("button", name="保存する").click()

    expect(page.get_by_role("alert").or_(page.locator(".alert--success")).first).to_contain_text(
        "業務用 だし 1kg"
    )
    assert Product.objects.get(product_code="BIG-1").unit_price == 1200


def test_an_individuals_registration_number_is_saved_once_ticked(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    page.goto(f"{base}/supplier/customers/new/")

    page.get_by_label("得意先コード").fill("K-900")
    page.get_by_label("得意先名", exact=True).fill("やまだ商店")
    page.get_by_label("登録番号").fill("T5010001234567")
    page.get_by_role("button", name="保存する").click()

    expect(page.locator("#id_registration_number_error")).to_contain_text(
        "法人番号の検査に合いません"
    )
    assert not Customer.objects.filter(customer_code="K-900").exists()

    page.get_by_label("個人事業者の番号です").check()
    page.get_by_role("button", name="保存する").click()

    expect(page.locator("body")).to_contain_text("個人事業者の番号として保存しました")
    customer = Customer.objects.get(customer_code="K-900")
    assert (customer.registration_number, customer.registration_is_individual) == (
        "T5010001234567",
        True,
    )
