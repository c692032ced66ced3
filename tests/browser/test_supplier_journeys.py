from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_journeys import log_in, open_menu
from tsunagu.ops.demo import DEMO_PASSWORD
from tsunagu.ordering.models import Order, OrderStatus

pytestmark = pytest.mark.django_db(transaction=True)

FAX_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_the_supplier_home_shows_todays_work_and_leads_to_it(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    new_orders = Order.objects.filter(
        supplier__code="demo-supplier", status=OrderStatus.SUBMITTED
    ).count()
    assert new_orders > 0
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)

    line = page.locator("#today-new-orders")
    expect(line).to_have_text(f"受付待ちの新しい注文 {new_orders}件")
    box = line.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    expect(page.locator("#today-to-ship")).to_be_visible()
    expect(page.locator("#today-unanswered")).to_be_visible()
    expect(page.locator("#today-invoices")).to_be_visible()
    line.click()

    expect(page).to_have_url(re.compile(r"/supplier/orders/\?status=submitted$"))
    expect(page.locator(".inbox__item")).to_have_count(new_orders)


def test_a_fax_order_is_typed_by_keyboard_alone_with_the_fax_beside_it(
    page: Page, live_server: object, demo: None, tmp_path: Path
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    fax = tmp_path / "fax-20261126.pdf"
    fax.write_bytes(FAX_PDF)
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    open_menu(page, "受注")
    page.get_by_role("link", name="電話・FAXの注文を入力").click()

    page.locator("#source").set_input_files(str(fax))
    page.get_by_role("button", name="ファイルを横に表示").focus()
    page.keyboard.press("Enter")
    expect(page.locator("iframe.source__frame")).to_be_visible()

    # From here on, only the keyboard.
    page.locator("#customer").focus()
    page.keyboard.type("C0004")
    page.keyboard.press("Tab")  # to the channel: phone is chosen, FAX is the next one
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # to the lines
    page.keyboard.type("V001 4")
    page.keyboard.press("Enter")
    page.keyboard.type("S003 2")
    page.keyboard.press("Tab")  # to the note
    page.keyboard.type("FAXより")
    page.keyboard.press("Enter")  # Enter in the note field sends the form

    expect(page.get_by_role("status")).to_contain_text("食堂 まるや")
    order = Order.objects.get(channel="fax", entered_by_supplier=True, note="FAXより")
    assert sorted(order.lines.values_list("product_code", "quantity")) == [("S003", 2), ("V001", 4)]
    assert order.note == "FAXより"
    assert order.attachments.get().original_name == "fax-20261126.pdf"
    expect(page.locator("aside.source")).to_contain_text("fax-20261126.pdf")


def test_a_phone_order_outside_the_rules_is_confirmed_with_a_reason_and_the_buyer_sees_it(
    page: Page, live_server: object, demo: None
) -> None:
    import datetime

    from django.utils import timezone

    from tsunagu.audit.models import AuditEntry

    base = live_server.url  # type: ignore[attr-defined]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    page.goto(f"{base}/supplier/orders/new/")
    page.locator("#customer").fill("C0001")
    page.locator("#lines").fill("V001 3 朝一番で")
    page.locator("#delivery_date").fill(yesterday.isoformat())
    page.get_by_role("button", name="注文を保存する").click()

    expect(page.locator("#overrides")).to_contain_text("納品日が過ぎています")
    assert not Order.objects.filter(lines__note="朝一番で").exists()
    page.get_by_label("理由(操作ログに残ります)").fill("昨日届けた分の記録")
    page.get_by_role("button", name="このまま注文を保存する").click()

    expect(page.get_by_role("status")).to_contain_text("得意先にもメールでお知らせしました")
    order = Order.objects.get(lines__note="朝一番で")
    assert order.requested_delivery_date == yesterday
    entry = AuditEntry.objects.get(
        action="order.entered_by_proxy", target_id=str(order.pk), organization_id=order.supplier_id
    )
    assert entry.changes["override_reason"] == "昨日届けた分の記録"
    assert [o["rule"] for o in entry.changes["overrides"]] == ["past_date"]

    open_menu(page, "ログアウト")
    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    page.goto(f"{base}/buyer/orders/{order.pk}/")
    expect(page.locator("#summary")).to_contain_text("納品日(受注企業が設定)")
    expect(page.locator("#lines")).to_contain_text("朝一番で")


def test_a_shortage_on_an_accepted_order_reaches_the_buyer(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    order = Order.objects.filter(
        status=OrderStatus.ACCEPTED, customer__customer_code="C0001"
    ).latest("ordered_at")
    first = order.lines.order_by("position").first()
    assert first is not None
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    open_menu(page, "受注")
    page.locator(".chips").get_by_role("link", name=re.compile("受注確定")).click()
    page.locator(".inbox__main", has_text=order.number).click()

    page.get_by_label("納品できる数量").first.fill("1")
    page.get_by_label("理由(得意先にも表示されます)").first.fill("入荷が少ないため")
    page.get_by_role("button", name="変更を保存する").click()
    expect(page.get_by_role("status")).to_contain_text(f"注文 {order.number} を変更しました")

    open_menu(page, "ログアウト")
    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    page.goto(f"{base}/buyer/orders/{order.pk}/")
    expect(page.locator("body")).to_contain_text("欠品")
    expect(page.locator("body")).to_contain_text("確定数: 1")
    first.refresh_from_db()
    assert first.confirmed_quantity == 1


def test_a_shipped_order_is_marked_delivered_on_the_day_it_arrived(
    page: Page, live_server: object, demo: None
) -> None:
    import datetime

    from django.utils import timezone

    base = live_server.url  # type: ignore[attr-defined]
    order = Order.objects.filter(status=OrderStatus.SHIPPED, supplier__code="demo-supplier").latest(
        "ordered_at"
    )
    today = timezone.localdate()
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    page.goto(f"{base}/supplier/orders/{order.pk}/")

    day = page.get_by_label("品物が届いた日")
    expect(day).to_have_value(today.isoformat())
    day.fill((today + datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="「納品済」にする").click()
    expect(page.locator(".field__error")).to_contain_text("未来の日付は納品日にできません")
    page.get_by_label("品物が届いた日").fill(today.isoformat())
    page.get_by_role("button", name="「納品済」にする").click()

    expect(page.get_by_role("status")).to_contain_text(order.number)
    expect(page.locator("#delivered-on")).to_contain_text(today.strftime("%Y/%m/%d"))
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_on == today


def test_the_shipping_user_marks_its_instructions_shipped(
    page: Page, live_server: object, demo: None
) -> None:
    from tsunagu.ordering.models import ShippingInstruction

    base = live_server.url  # type: ignore[attr-defined]
    instruction = ShippingInstruction.objects.filter(
        assignee__email="shipping@demo-supplier.example"
    ).first()
    assert instruction is not None
    order = instruction.order
    log_in(page, base, "shipping@demo-supplier.example", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/supplier/shipping/$"))

    page.locator(f"#shipped-{instruction.pk}").click()

    expect(page.get_by_role("status")).to_contain_text(order.number)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


def test_an_export_layout_is_saved_and_used(
    page: Page, live_server: object, demo: None, tmp_path: Path
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    open_menu(page, "受注")
    page.get_by_role("link", name="CSVをダウンロード").click()
    page.get_by_role("link", name="出力レイアウトを作成").click()

    page.get_by_label("出力レイアウト名").fill("会計ソフト用")
    page.get_by_label("文字コード").select_option("utf-8-sig")
    page.get_by_label("受注番号の見出し").fill("伝票番号")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("会計ソフト用")

    page.get_by_label("出力レイアウト", exact=True).select_option(label="会計ソフト用")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="CSVをダウンロード").click()
    target = tmp_path / "orders.csv"
    download_info.value.save_as(target)

    header = target.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header.startswith("伝票番号,")
