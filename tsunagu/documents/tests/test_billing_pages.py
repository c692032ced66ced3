"""The billing page: choose a closing date, run it in the background, follow its progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.audit.models import AuditEntry
from tsunagu.customers.models import MONTH_END, Customer
from tsunagu.documents import billing
from tsunagu.documents.billing import run_billing
from tsunagu.documents.models import BillingRun, Document
from tsunagu.documents.tests.test_billing_run import customer_of, month_of_orders

pytestmark = pytest.mark.django_db
TODAY = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def closing_customers(supplier: Organization, supplier_admin: Membership) -> None:
    sakura = customer_of(supplier, "C001", name="レストラン さくら", closing_day=20)
    customer_of(supplier, "C002", name="居酒屋 はなみち", closing_day=20)
    customer_of(supplier, "C031", name="ベーカリー", closing_day=MONTH_END)
    month_of_orders(supplier_admin, sakura)


def start(client: Client, day: str) -> BillingRun:
    response = client.post(reverse("billing"), {"closing_date": day})
    assert response.status_code == 302, response.content.decode()[:2000]
    run = BillingRun.objects.latest("created_at")
    assert response["Location"] == reverse("billing-run", args=[run.pk])
    return run


@pytest.mark.usefixtures("closing_customers")
def test_the_page_suggests_the_recent_closing_dates(supplier_client: Client) -> None:
    page = supplier_client.get(reverse("billing")).content.decode()

    assert "?date=2026-11-20" in page
    assert "?date=2026-10-31" in page
    assert "?date=2026-11-30" not in page  # not come yet


@pytest.mark.usefixtures("closing_customers")
def test_a_run_shows_its_progress_then_the_invoices_it_issued(
    supplier_client: Client, supplier: Organization, run_tasks: Callable[[], int]
) -> None:
    run = start(supplier_client, "2026/11/20")
    url = reverse("billing-run", args=[run.pk])
    waiting = supplier_client.get(url).content.decode()
    assert 'hx-trigger="every ' in waiting
    assert (run.total_customers, run.processed_customers) == (2, 0)

    run_tasks()

    run.refresh_from_db()
    assert (run.status, run.processed_customers, run.created_count) == ("done", 2, 2)
    page = supplier_client.get(url).content.decode()
    assert 'hx-trigger="every ' not in page
    invoices = Document.objects.filter(supplier=supplier).order_by("customer__customer_code")
    assert [doc.customer.customer_code for doc in invoices] == ["C001", "C002"]
    for doc in invoices:
        assert doc.number in page
        assert reverse("supplier-document", args=[doc.pk]) in page
    assert "¥5,189" in page
    listed = supplier_client.get(reverse("billing"), {"date": "2026-11-20"}).content.decode()
    assert all(doc.number in listed for doc in invoices)
    assert AuditEntry.objects.filter(action="billing_run.started").count() == 1


@pytest.mark.usefixtures("closing_customers")
def test_running_the_same_date_again_issues_nothing_new(
    supplier_client: Client, run_tasks: Callable[[], int]
) -> None:
    start(supplier_client, "2026-11-20")
    run_tasks()
    numbers = sorted(Document.objects.values_list("number", flat=True))

    again = start(supplier_client, "2026-11-20")
    run_tasks()

    again.refresh_from_db()
    assert (again.status, again.processed_customers, again.created_count) == ("done", 2, 0)
    assert sorted(Document.objects.values_list("number", flat=True)) == numbers


@pytest.mark.usefixtures("closing_customers")
@pytest.mark.parametrize(
    ("day", "words"),
    [
        ("2026-11-19", "2026-11-19"),  # nobody closes that day
        ("2026-11-30", "2026-11-30"),  # not come yet
        ("2026-11-31", "2026-11-31"),  # no such day
    ],
)
def test_a_date_that_cannot_be_billed_is_refused_with_the_reason(
    supplier_client: Client, day: str, words: str
) -> None:
    response = supplier_client.post(reverse("billing"), {"closing_date": day})

    assert response.status_code == 400
    assert words in response.content.decode()
    assert 'value="' + day + '"' in response.content.decode()
    assert not BillingRun.objects.exists()
    assert not Document.objects.exists()


@pytest.mark.usefixtures("closing_customers")
def test_a_viewer_sees_the_page_but_cannot_start_a_run(supplier_member: Membership) -> None:
    supplier_member.role = Role.VIEWER
    supplier_member.save(update_fields=["role"])
    client = client_for(supplier_member)

    assert client.get(reverse("billing")).status_code == 200
    assert client.post(reverse("billing"), {"closing_date": "2026-11-20"}).status_code == 403
    assert not BillingRun.objects.exists()


@pytest.mark.usefixtures("closing_customers")
def test_another_supplier_gets_404_on_a_run_and_changes_nothing(
    supplier_client: Client, outsider_client: Client, run_tasks: Callable[[], int]
) -> None:
    run = start(supplier_client, "2026-11-20")
    run_tasks()
    run.refresh_from_db()
    before = (run.status, run.processed_customers, run.created_count, run.updated_at)
    numbers = sorted(Document.objects.values_list("number", flat=True))

    assert outsider_client.get(reverse("billing-run", args=[run.pk])).status_code == 404
    other_page = outsider_client.get(reverse("billing"), {"date": "2026-11-20"}).content.decode()
    refused = outsider_client.post(reverse("billing"), {"closing_date": "2026-11-20"})

    assert all(number not in other_page for number in numbers)
    assert "レストラン さくら" not in other_page
    assert refused.status_code == 400
    run.refresh_from_db()
    assert (run.status, run.processed_customers, run.created_count, run.updated_at) == before
    assert BillingRun.objects.count() == 1
    assert sorted(Document.objects.values_list("number", flat=True)) == numbers


def test_a_missing_run_is_404(supplier_client: Client) -> None:
    url = reverse("billing-run", args=["01234567-89ab-7def-8123-456789abcdef"])

    assert supplier_client.get(url).status_code == 404


def test_the_run_page_needs_a_login(supplier: Organization) -> None:
    run = BillingRun.objects.create(supplier=supplier, closing_date=date(2026, 11, 20))

    response = Client().get(reverse("billing-run", args=[run.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.usefixtures("closing_customers")
def test_the_invoice_list_of_a_date_uses_a_fixed_number_of_queries(
    supplier: Organization, supplier_client: Client
) -> None:
    supplier_client.get(reverse("billing"), {"date": "2026-11-20"})

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            supplier_client.get(reverse("billing"), {"date": "2026-11-20"})
        return len(context.captured_queries)

    run_billing(
        supplier,
        closing_date=date(2026, 11, 20),
        customer=Customer.objects.get(customer_code="C001"),
    )
    few = count()
    run_billing(supplier, closing_date=date(2026, 11, 20))
    run_billing(supplier, closing_date=date(2026, 10, 31))

    assert count() == few


@pytest.mark.usefixtures("closing_customers")
def test_a_customer_that_cannot_be_billed_is_listed_and_the_others_are_billed(
    supplier: Organization, supplier_client: Client, run_tasks: Callable[[], int]
) -> None:
    sakura = Customer.objects.get(customer_code="C001")
    ((december, _),) = run_billing(supplier, closing_date=date(2026, 12, 20), customer=sakura)
    run = start(supplier_client, "2026-11-20")

    run_tasks()

    run.refresh_from_db()
    assert (run.status, run.processed_customers, run.created_count) == ("failed", 2, 1)
    page = supplier_client.get(reverse("billing-run", args=[run.pk])).content.decode()
    assert "C001: " in page
    assert december.number in page
    assert Document.objects.filter(
        customer__customer_code="C002", period_end=date(2026, 11, 20)
    ).exists()
    assert 'hx-trigger="every ' not in page


@pytest.mark.usefixtures("closing_customers")
def test_the_task_is_safe_to_run_twice(
    supplier_client: Client, run_tasks: Callable[[], int]
) -> None:
    run = start(supplier_client, "2026-11-20")
    run_tasks()
    run.refresh_from_db()
    before = (run.status, run.processed_customers, run.created_count, run.message)

    assert billing.process_run(str(run.pk)) == "done"

    run.refresh_from_db()
    assert (run.status, run.processed_customers, run.created_count, run.message) == before
    assert Document.objects.count() == 2
