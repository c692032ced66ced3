"""A billing run whose worker was killed, seen in the browser: the run page says plainly that
it stopped and what will happen, then finishes once another worker takes it over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_journeys import log_in
from tsunagu.accounts.models import Role
from tsunagu.accounts.tests.factories import TEST_PASSWORD, MembershipFactory, SupplierFactory
from tsunagu.customers.models import MONTH_END
from tsunagu.documents import billing
from tsunagu.documents.models import BillingRun, Document, DocumentType
from tsunagu.documents.tests.test_billing_run import customer_of
from tsunagu.ops import leases
from tsunagu.ops import services as ops

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stopped_run_says_so_and_finishes_once_another_worker_takes_it_over(
    page: Page, live_server: object, run_tasks: Callable[[], int]
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    supplier = SupplierFactory.create(code="stuck-supplier", name="止まる食品 株式会社")
    admin = MembershipFactory.create(
        organization=supplier, role=Role.ADMIN, user__email="admin@stuck.test"
    )
    customers = [customer_of(supplier, code, closing_day=MONTH_END) for code in ("C1", "C2", "C3")]
    closing = billing.latest_closing_date(timezone.localdate(), MONTH_END)
    run = billing.start_billing_run(actor=admin, closing_date=closing)
    # Its worker took the run, issued the first invoice and was killed a while ago.
    DBTaskResult.objects.get().claim("worker-killed")
    billing.bill_customer(customers[0], closing_date=closing, actor=admin)
    BillingRun.objects.filter(pk=run.pk).update(
        processed_customers=1,
        created_count=1,
        claimed_by="worker-killed",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )

    log_in(page, base, "admin@stuck.test", TEST_PASSWORD)
    run_page = f"{base}{reverse('billing-run', args=[run.pk])}"
    page.goto(run_page)

    # No worker runs at all: the page says the run stopped and asks to start one.
    notice = page.locator("#billing-run-stuck")
    expect(notice).to_have_attribute("role", "alert")
    expect(notice).to_contain_text("この締め処理は止まっています。")
    expect(notice).to_contain_text("ワーカーを起動してください")
    expect(page.get_by_text("3 件中 1 件")).to_be_visible()

    # The page refreshes itself every two seconds; it is left while the test writes, since the
    # test database (SQLite in memory) refuses a read during another thread's write.
    page.goto("about:blank")
    # A worker starts: the page says it takes the run over.
    ops.record_heartbeat("worker-b")
    page.goto(run_page)
    expect(notice).to_contain_text("まもなく別のワーカーが引き継いで")
    expect(notice).to_have_attribute("role", "status")

    page.goto("about:blank")
    leases.take_over_expired()
    run_tasks()
    page.goto(run_page)
    expect(page.get_by_role("status")).to_contain_text("今回の発行 3 通")
    expect(notice).to_have_count(0)
    codes = Document.objects.filter(doc_type=DocumentType.PERIODIC_INVOICE).values_list(
        "customer__customer_code", flat=True
    )
    assert sorted(codes) == ["C1", "C2", "C3"]
