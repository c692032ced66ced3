"""Documents in the browser: a delivery note issued from an order's page, downloaded as a real PDF,
and found by the buyer; the billing page issues the invoices of a closing date."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_journeys import log_in, open_menu
from tsunagu.documents.models import Document, DocumentType
from tsunagu.documents.tests.test_pdf import poppler
from tsunagu.ops.demo import DEMO_PASSWORD
from tsunagu.ordering.models import Order, OrderStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delivery_note_is_issued_from_the_order_downloaded_and_seen_by_the_buyer(
    page: Page, live_server: object, demo: None, tmp_path: Path
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    order = Order.objects.filter(
        supplier__code="demo-supplier",
        status=OrderStatus.ACCEPTED,
        customer__buyer__code="demo-buyer",
    ).first()
    assert order is not None
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    page.goto(f"{base}/supplier/orders/{order.pk}/")

    page.get_by_role("button", name="納品書を発行する").click()

    note = Document.objects.get(orders=order, doc_type=DocumentType.DELIVERY_NOTE)
    expect(page.get_by_role("heading", level=1)).to_contain_text(note.number)
    expect(page.locator(".messages, [role=status]").first).to_contain_text("発行しました")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDFをダウンロード").click()
    pdf = tmp_path / "note.pdf"
    download.value.save_as(pdf)
    text = poppler("pdftotext", "-layout", str(pdf), "-")
    assert "納品書" in text.replace(" ", "")  # the title is letter-spaced
    assert note.number in text
    assert f"{note.total:,}" in text

    # A second tap on the order's page shows the same note instead of a new one.
    page.goto(f"{base}/supplier/orders/{order.pk}/")
    page.get_by_role("button", name="納品書を発行する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(note.number)
    assert Document.objects.filter(orders=order, doc_type=DocumentType.DELIVERY_NOTE).count() == 1

    page.context.clear_cookies()
    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    open_menu(page, "受け取った帳票")
    expect(page.get_by_text(note.number)).to_be_visible()


def test_a_case_line_shows_its_cases_and_pieces_on_the_page_and_the_pdf(
    page: Page, live_server: object, demo: None, tmp_path: Path
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    # The demo's shipped order with 1 ケース of 玉ねぎ 1kg (20 袋 a case, ¥298 a 袋).
    order = Order.objects.get(supplier__code="demo-supplier", lines__order_unit="case")
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    page.goto(f"{base}/supplier/orders/{order.pk}/")

    page.get_by_role("button", name="納品書を発行する").click()

    note = Document.objects.get(orders=order, doc_type=DocumentType.DELIVERY_NOTE)
    row = page.locator("#document-lines tr", has_text="玉ねぎ")
    expect(row).to_contain_text("1 ケース")
    expect(row).to_contain_text("20袋入・計20袋")
    expect(row).to_contain_text("5,960")
    expect(row).to_contain_text("1袋あたり ¥298")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDFをダウンロード").click()
    pdf = tmp_path / "note.pdf"
    download.value.save_as(pdf)
    text = poppler("pdftotext", "-layout", str(pdf), "-")
    printed = next(line for line in text.splitlines() if "玉ねぎ" in line)
    assert "ケース" in printed
    assert "5,960" in printed
    assert "受領印" in text
    assert note.content["lines"][0]["pieces"] == 20
