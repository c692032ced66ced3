"""Billing in the browser: the supplier's admin closes a date on 請求, follows the run in the
background, opens an invoice and reads its PDF, runs the date again and gets nothing new, then
enters a payment by hand on 入金."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_journeys import log_in, open_menu
from tsunagu.accounts.models import Membership
from tsunagu.documents import billing
from tsunagu.documents.models import Document, DocumentStatus, DocumentType, Payment
from tsunagu.documents.tests.test_billing_run import customer_of, order_for, product
from tsunagu.documents.tests.test_pdf import poppler, squeeze
from tsunagu.ops.demo import DEMO_PASSWORD
from tsunagu.ordering import services as ordering

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_closes_a_date_reads_the_invoice_pdf_runs_it_again_and_enters_a_payment(
    page: Page, live_server: object, run_tasks: Callable[[], int], tmp_path: Path, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    admin = Membership.objects.select_related("organization").get(
        user__email="admin@demo-supplier.example", organization__code="demo-supplier"
    )
    today = timezone.localdate()
    # A customer of its own closing day (the demo's close on 20, 25 and month end and are
    # billed already), with its last closing date before today so a payment today counts.
    closing_day = 10 if today.day != 10 else 11
    closing = billing.latest_closing_date(today, closing_day)
    customer = customer_of(
        admin.organization, "C0099", name="ジャーニー食堂", closing_day=closing_day
    )
    detergent = product(admin.organization, "J-10", "980", 10, "本")
    rice = product(admin.organization, "J-08", "1980", 8, "袋")
    order_for(admin, customer, [(detergent, 2), (rice, 1)], on=closing - timedelta(days=3))

    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    open_menu(page, "請求")
    page.get_by_label("締日").fill(closing.isoformat())
    page.get_by_role("button", name="この締日の請求書を発行する").click()

    # The run page follows the background work and refreshes itself until it is done.
    expect(page.get_by_role("heading", name="請求書を発行しています…")).to_be_visible()
    assert run_tasks() >= 1
    expect(page.get_by_role("status")).to_contain_text("今回の発行 1 通", timeout=15_000)
    invoice = Document.objects.get(customer=customer, doc_type=DocumentType.PERIODIC_INVOICE)
    # 980 × 2 = 1,960 + 196 (10%); 1,980 + 158 (8%).
    assert invoice.amount_due == Decimal(1960 + 196 + 1980 + 158)
    row = page.locator("tr", has_text="C0099")
    expect(row).to_contain_text(f"¥{invoice.amount_due:,}")

    row.get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(invoice.number)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDFをダウンロード").click()
    pdf = tmp_path / "invoice.pdf"
    download.value.save_as(pdf)
    text = poppler("pdftotext", "-layout", str(pdf), "-")
    assert "ジャーニー食堂" in squeeze(text)
    assert f"¥{invoice.amount_due:,}" in text
    assert invoice.number in text

    # The same date again: a new run, nothing issued twice.
    open_menu(page, "請求")
    page.get_by_label("締日").fill(closing.isoformat())
    page.get_by_role("button", name="この締日の請求書を発行する").click()
    run_tasks()
    expect(page.get_by_role("status")).to_contain_text("今回の発行 0 通", timeout=15_000)
    expect(page.locator("tr", has_text="C0099")).to_have_count(1)
    assert Document.objects.filter(customer=customer).count() == 1

    # A payment entered by hand is listed; it covers the invoice, which becomes paid.
    open_menu(page, "入金")
    page.get_by_label("得意先コード").fill("C0099")
    page.get_by_label("金額(円)").fill(f"{invoice.amount_due:,}")
    page.get_by_role("button", name="入金を登録する").click()
    expect(page.get_by_role("status").first).to_contain_text(
        re.compile(rf"¥{invoice.amount_due:,} を登録しました")
    )
    payments_row = page.locator("tr", has_text="C0099")
    expect(payments_row).to_contain_text(f"¥{invoice.amount_due:,}")
    expect(payments_row).to_contain_text(today.strftime("%Y/%m/%d"))
    payment = Payment.objects.get(customer=customer)
    assert (payment.amount, payment.received_on, payment.invoice) == (
        invoice.amount_due,
        today,
        None,
    )
    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.PAID


def test_a_late_delivered_order_is_listed_and_a_payment_sent_twice_is_recorded_once(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    admin = Membership.objects.select_related("organization").get(
        user__email="admin@demo-supplier.example", organization__code="demo-supplier"
    )
    today = timezone.localdate()
    closing_day = 10 if today.day != 10 else 11
    closing = billing.latest_closing_date(today, closing_day)
    customer = customer_of(admin.organization, "C0098", name="遅配食堂", closing_day=closing_day)
    rice = product(admin.organization, "J-09", "1980", 8, "袋")
    late = order_for(admin, customer, [(rice, 1)], on=closing - timedelta(days=2), status="shipped")
    billing.bill_customer(customer, closing_date=closing)
    # The goods arrived before the close; the supplier records it only after the invoice.
    ordering.move_order(
        late, to_status="delivered", actor=admin, delivered_on=closing - timedelta(days=2)
    )

    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    open_menu(page, "請求")
    listed = page.locator("#unbilled-orders")
    expect(listed).to_contain_text(late.number)
    expect(listed).to_contain_text("次の締め請求書に載ります")

    # A double tap on 入金を登録する: the same form reaches the server twice.
    open_menu(page, "入金")
    page.get_by_label("得意先コード").fill("C0098")
    page.get_by_label("金額(円)").fill("2,138")
    form = page.locator("form", has=page.get_by_role("button", name="入金を登録する"))
    sent = form.evaluate("f => Object.fromEntries(new FormData(f))")
    page.get_by_role("button", name="入金を登録する").click()
    expect(page.get_by_role("status").first).to_contain_text("¥2,138 を登録しました")
    again = page.request.post(
        f"{base}/supplier/payments/", form=sent, headers={"Referer": page.url}
    )
    assert again.ok
    page.reload()
    expect(page.locator("tr", has_text="C0098")).to_have_count(1)
    assert Payment.objects.filter(customer=customer).count() == 1
