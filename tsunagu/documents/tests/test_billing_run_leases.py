"""A billing run whose worker died: the page says so and what happens next, and the run is
taken over and finished with every invoice issued once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tsunagu.accounts.models import Membership, Organization
from tsunagu.customers.models import MONTH_END
from tsunagu.documents import billing
from tsunagu.documents.models import BillingRun, Document, DocumentType
from tsunagu.documents.tests.test_billing_pages import TODAY
from tsunagu.documents.tests.test_billing_run import customer_of
from tsunagu.ops import leases
from tsunagu.ops import services as ops

pytestmark = pytest.mark.django_db
LEASE = timedelta(seconds=60)


def stopped_marks(client: Client, run: BillingRun) -> list[str]:
    """The marks of stopped runs in the billing page's list of runs for the run's closing day."""
    url = reverse("billing") + f"?date={run.closing_date.isoformat()}"
    page = client.get(url).content.decode()
    assert reverse("billing-run", args=[run.pk]) in page
    return re.findall(r'class="badge badge--danger run-stopped">([^<]*)<', page)


def stuck_message(page: str) -> str:
    found = re.search(r'id="billing-run-stuck">(.*?)</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


@pytest.fixture
def half_done_run(supplier: Organization, supplier_admin: Membership) -> BillingRun:
    """A run of three customers whose worker issued the first invoice and was then killed."""
    with time_machine.travel(TODAY, tick=False):
        customers = [
            customer_of(supplier, code, closing_day=MONTH_END) for code in ("C1", "C2", "C3")
        ]
        run = billing.start_billing_run(
            actor=supplier_admin, closing_date=TODAY.date() - timedelta(days=26)
        )
    task = DBTaskResult.objects.get()
    ops.record_heartbeat("worker-killed")
    task.claim("worker-killed")
    leases.set_worker("worker-killed")
    billing.bill_customer(customers[0], closing_date=run.closing_date, actor=supplier_admin)
    BillingRun.objects.filter(pk=run.pk).update(
        processed_customers=1, created_count=1, **leases.claim_fields(timezone.now())
    )
    leases.set_worker(None)
    return run


def test_a_run_whose_worker_died_is_shown_stuck_then_taken_over_and_finished_once(
    supplier_client: Client, half_done_run: BillingRun, run_tasks: Callable[[], int]
) -> None:
    url = reverse("billing-run", args=[half_done_run.pk])
    page = supplier_client.get(url).content.decode()
    assert "3 件中 1 件" in page
    assert stuck_message(page) == ""
    assert stopped_marks(supplier_client, half_done_run) == []

    later = timezone.now() + LEASE + timedelta(seconds=1)
    with time_machine.travel(later):
        # No worker beats any more: the person is told to start one.
        page = supplier_client.get(url).content.decode()
        assert stuck_message(page) == (
            "この締め処理は止まっています。裏で処理を進めるワーカーが動いていません。 "
            "ワーカーを起動してください（make run で起動します。サーバーでは manage.py "
            "db_worker です）。止まったところから続けます。同じ請求書を二度作ることはありません。"
        )
        assert supplier_client.get("/healthz").json()["stuck"] == 2  # the run and its task
        # The billing page's list of runs marks it too, not only the run's own page.
        assert stopped_marks(supplier_client, half_done_run) == [
            "止まっています（ワーカーが動いていません）"
        ]

        # Another worker is alive: it takes the run over within a heartbeat.
        ops.record_heartbeat("worker-b")
        page = supplier_client.get(url).content.decode()
        assert stuck_message(page) == (
            "この締め処理をしていたワーカーが止まりました。 "
            "まもなく別のワーカーが引き継いで、止まったところから続けます。"
            "同じ請求書を二度作ることはありません。このままお待ちください。"
        )
        assert stopped_marks(supplier_client, half_done_run) == [
            "止まっています（まもなく別のワーカーが引き継ぎます）"
        ]

        assert leases.take_over_expired() == {
            "tasks": 1,
            "mails": 0,
            "billing_runs": 1,
            "import_jobs": 0,
        }
        run_tasks()

    half_done_run.refresh_from_db()
    assert (half_done_run.status, half_done_run.processed_customers) == ("done", 3)
    assert half_done_run.created_count == 3
    invoices = Document.objects.filter(doc_type=DocumentType.PERIODIC_INVOICE)
    assert sorted(invoices.values_list("customer__customer_code", flat=True)) == ["C1", "C2", "C3"]
    assert stuck_message(supplier_client.get(url).content.decode()) == ""


def test_a_run_held_by_a_live_worker_is_not_run_a_second_time(
    half_done_run: BillingRun,
) -> None:
    assert billing.process_run(str(half_done_run.pk)) == "held by another worker"

    half_done_run.refresh_from_db()
    assert half_done_run.processed_customers == 1
    assert Document.objects.filter(doc_type=DocumentType.PERIODIC_INVOICE).count() == 1
