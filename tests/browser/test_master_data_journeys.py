from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_journeys import log_in, open_menu
from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import CustomerPrice
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.ops.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "得意先コード,得意先名,得意先名カナ,締日,支払月,支払日,納品曜日,メールアドレス\r\n"
BAD_ROWS = (
    "T-001,レストラン ｱｵｿﾞﾗ,ﾚｽﾄﾗﾝｱｵｿﾞﾗ,20,翌月,末,月水金,aozora@example.jp\r\n"
    "T-002,髙﨑食堂㈱,タカサキショクドウ,35,翌月,末,火木,takasaki@example.jp\r\n"
    "T-003,カフェ ～ひだまり～,カフェヒダマリ,末,翌月,10,毎日,hidamari-at-example.jp\r\n"
)
GOOD_ROWS = BAD_ROWS.replace(",35,", ",25,").replace(
    "hidamari-at-example.jp", "hidamari@example.jp"
)


def test_admin_imports_customers_fixes_two_bad_rows_and_sets_a_price(
    page: Page, live_server: object, run_tasks: Callable[[], int], tmp_path: Path, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    supplier = Organization.objects.get(code="demo-supplier")
    ProductFactory.create(
        supplier=supplier, product_code="DASHI-1", name="かつお節 500g", unit_price=Decimal("2450")
    )
    bad_file = tmp_path / "得意先.csv"
    bad_file.write_bytes((HEADER + BAD_ROWS).encode("cp932"))
    good_file = tmp_path / "得意先_修正.csv"
    good_file.write_bytes((HEADER + GOOD_ROWS).encode("cp932"))

    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    open_menu(page, "得意先")
    page.get_by_role("link", name="CSVから取り込む").first.click()
    page.locator("input[type=file]").set_input_files(str(bad_file))
    page.get_by_role("button", name="ファイルを確認する").click()
    run_tasks()

    # Both bad rows are marked, at the cell that is wrong.
    expect(page.locator(".cell--bad")).to_have_count(2, timeout=10_000)
    expect(page.locator(".error-list")).to_contain_text("行 3: 締日:")
    expect(page.locator(".error-list")).to_contain_text("行 4: メールアドレス:")

    page.get_by_role("link", name="修正したファイルをアップロード").click()
    page.locator("input[type=file]").set_input_files(str(good_file))
    page.get_by_role("button", name="ファイルを確認する").click()
    run_tasks()
    page.get_by_role("button", name="この内容で取り込む").click(timeout=10_000)
    run_tasks()
    expect(page.get_by_role("status")).to_contain_text("追加3件", timeout=10_000)

    page.get_by_role("link", name="得意先を見る").click()
    page.get_by_role("link", name="T-002").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("髙﨑食堂㈱")
    page.get_by_label("商品コード").fill("dashi-1")
    page.get_by_label(re.compile("この得意先の価格")).fill("２,２００")
    page.get_by_role("button", name="価格を設定").click()

    expect(page.get_by_role("status")).to_contain_text("2200")
    assert CustomerPrice.objects.get(customer__customer_code="T-002").unit_price == Decimal("2200")
