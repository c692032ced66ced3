"""No delivered order stays unbilled: one marked delivered after its period was billed goes on
the next periodic invoice, which says so, and the billing page lists it until then."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.documents import billing
from tsunagu.documents.tests.test_billing_run import customer_of, order_for, product
from tsunagu.documents.tests.test_pdf import pdf_text, squeeze
from tsunagu.ordering import services as ordering
from tsunagu.ordering.models import OrderStatus

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=TOKYO)


def _billing_page(member: Membership) -> str:
    response = client_for(member).get(reverse("billing"))
    assert response.status_code == 200
    return str(response.content.decode())


def test_an_order_delivered_after_its_close_goes_on_the_next_invoice_and_is_listed_until_then(
    supplier: Organization, supplier_admin: Membership, tmp_path: Path
) -> None:
    customer = customer_of(supplier, "C003", name="三日締めの店", closing_day=3)
    cabbage = product(supplier, "V1", "198", 8, "玉")
    with time_machine.travel(_at(date(2026, 11, 20)), tick=False):
        earlier = order_for(supplier_admin, customer, [(cabbage, 1)], on=date(2026, 11, 25))
        late = order_for(
            supplier_admin, customer, [(cabbage, 5)], on=date(2026, 12, 1), status="shipped"
        )
    with time_machine.travel(_at(date(2026, 12, 3)), tick=False):
        first = billing.bill_customer(customer, closing_date=date(2026, 12, 3))[0]
    assert list(first.orders.all()) == [earlier]

    with time_machine.travel(_at(date(2026, 12, 4)), tick=False):
        # Marked 納品済 on 12/04 for goods that arrived on 12/01, in the period already billed.
        ordering.move_order(
            late,
            to_status=OrderStatus.DELIVERED,
            actor=supplier_admin,
            delivered_on=date(2026, 12, 1),
        )
        page = _billing_page(supplier_admin)
    assert 'id="unbilled-orders"' in page
    assert late.number in page
    assert "次の締め請求書に載ります" in page

    with time_machine.travel(_at(date(2027, 1, 3)), tick=False):
        second = billing.bill_customer(customer, closing_date=date(2027, 1, 3))[0]
        page = _billing_page(supplier_admin)
        detail = client_for(supplier_admin).get(reverse("supplier-document", args=[second.pk]))

    assert (second.period_start, second.period_end) == (date(2026, 12, 4), date(2027, 1, 3))
    assert list(second.orders.all()) == [late]
    assert second.amount_8 == 990
    assert second.content["late_orders"] == [{"number": late.number, "delivered_on": "2026-12-01"}]
    flat = squeeze(pdf_text(second, tmp_path))
    assert f"{late.number}（2026年12月1日）" in flat
    assert "前回のご請求の後に納品済となったため、今回ご請求いたします" in flat
    assert "前回分" in squeeze(pdf_text(second, tmp_path, page=2))
    assert 'id="unbilled-orders"' not in page
    assert detail.status_code == 200
    assert 'id="late-orders"' in detail.content.decode()
    # The page shows the arrival day as dates are shown elsewhere, not as stored.
    assert f"{late.number} (2026/12/01)" in detail.content.decode()


def test_an_order_that_arrived_after_the_close_is_billed_in_the_period_it_arrived(
    supplier: Organization, supplier_admin: Membership
) -> None:
    customer = customer_of(supplier, "C004", name="三日締めの食堂", closing_day=3)
    cabbage = product(supplier, "V1", "198", 8, "玉")
    with time_machine.travel(_at(date(2026, 11, 20)), tick=False):
        earlier = order_for(supplier_admin, customer, [(cabbage, 1)], on=date(2026, 11, 25))
        late = order_for(
            supplier_admin, customer, [(cabbage, 5)], on=date(2026, 12, 1), status="shipped"
        )
    with time_machine.travel(_at(date(2026, 12, 3)), tick=False):
        first = billing.bill_customer(customer, closing_date=date(2026, 12, 3))[0]
    assert list(first.orders.all()) == [earlier]

    with time_machine.travel(_at(date(2026, 12, 5)), tick=False):
        ordering.move_order(late, to_status=OrderStatus.DELIVERED, actor=supplier_admin)
        page = _billing_page(supplier_admin)
    late.refresh_from_db()
    assert late.delivered_on == date(2026, 12, 5)
    assert list(first.orders.all()) == [earlier]
    assert late.number not in page

    with time_machine.travel(_at(date(2027, 1, 3)), tick=False):
        second = billing.bill_customer(customer, closing_date=date(2027, 1, 3))[0]

    assert list(second.orders.all()) == [late]
    assert second.content["late_orders"] == []
    assert [row["delivered_on"] for row in second.content["lines"]] == ["2026-12-05"]


def test_an_order_dated_before_the_first_invoice_is_listed_not_billed(
    supplier: Organization, supplier_admin: Membership
) -> None:
    customer = customer_of(supplier, "C020", name="二十日締めの店", closing_day=20)
    cabbage = product(supplier, "V1", "198", 8, "玉")
    with time_machine.travel(_at(date(2026, 10, 1)), tick=False):
        history = order_for(supplier_admin, customer, [(cabbage, 1)], on=date(2026, 10, 5))
    with time_machine.travel(_at(date(2026, 11, 20)), tick=False):
        first = billing.bill_customer(customer, closing_date=date(2026, 11, 20))[0]
        page = _billing_page(supplier_admin)

    assert first.period_start == date(2026, 10, 21)
    assert list(first.orders.all()) == []
    assert history.number in page
    assert "この得意先の最初の請求書より前の日付です" in page
