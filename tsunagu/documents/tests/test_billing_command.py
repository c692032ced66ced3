"""manage.py run_billing, exactly as CONTRACT.md describes it."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.customers.models import MONTH_END
from tsunagu.documents.models import Document
from tsunagu.documents.payments import record_payment
from tsunagu.documents.tests.test_billing_run import customer_of, month_of_orders

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")

KEYS = {
    "number",
    "customer_code",
    "period_start",
    "period_end",
    "amount_by_rate",
    "tax_by_rate",
    "total",
    "previous_balance",
    "payments",
    "amount_due",
    "pdf_sha256",
    "created",
}


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("run_billing", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def billed_month(supplier: Organization, supplier_admin: Membership) -> None:
    sakura = customer_of(supplier, "C001", closing_day=20)
    customer_of(supplier, "C002", closing_day=20)
    customer_of(supplier, "C031", closing_day=MONTH_END)
    month_of_orders(supplier_admin, sakura)


@pytest.mark.usefixtures("billed_month")
def test_json_prints_one_object_per_invoice_with_exactly_the_contract_keys() -> None:
    code, out, _err = run("--supplier", "test-supplier", "--closing-date", "2026-11-20", "--json")

    assert code == 0
    rows = json_lines(out)
    assert [row["customer_code"] for row in rows] == ["C001", "C002"]
    for row in rows:
        assert set(row) == KEYS
        assert set(row["amount_by_rate"]) == set(row["tax_by_rate"]) == {"10", "8"}
        assert all(isinstance(v, int) for v in row["amount_by_rate"].values())
        assert all(isinstance(v, int) for v in row["tax_by_rate"].values())
        assert len(str(row["pdf_sha256"])) == 64
    sakura = rows[0]
    assert sakura["period_start"] == "2026-10-21"
    assert sakura["period_end"] == "2026-11-20"
    assert sakura["amount_by_rate"] == {"10": 1997, "8": 2772}
    assert sakura["tax_by_rate"] == {"10": 199, "8": 221}
    assert (sakura["total"], sakura["previous_balance"], sakura["payments"]) == (5189, 0, 0)
    assert (sakura["amount_due"], sakura["created"]) == (5189, True)
    assert sakura["pdf_sha256"] == Document.objects.get(number=sakura["number"]).pdf_sha256


@pytest.mark.usefixtures("billed_month")
def test_a_second_run_prints_created_false_with_identical_figures() -> None:
    args = ("--supplier", "test-supplier", "--closing-date", "2026-11-20", "--json")
    first = json_lines(run(*args)[1])

    code, out, _err = run(*args)

    again = json_lines(out)
    assert code == 0
    assert [row["created"] for row in again] == [False, False]
    assert [{**row, "created": True} for row in again] == first
    assert Document.objects.count() == 2


@pytest.mark.usefixtures("billed_month")
def test_one_customer_only(supplier: Organization, supplier_admin: Membership) -> None:
    code, out, _err = run(
        "--supplier",
        "test-supplier",
        "--closing-date",
        "2026-11-20",
        "--customer",
        "C001",
        "--json",
    )

    assert code == 0
    assert [row["customer_code"] for row in json_lines(out)] == ["C001"]
    assert Document.objects.count() == 1


@pytest.mark.usefixtures("billed_month")
@time_machine.travel(datetime(2026, 12, 21, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
def test_the_next_invoice_carries_the_balance_over(
    supplier: Organization, supplier_admin: Membership
) -> None:
    run("--supplier", "test-supplier", "--closing-date", "2026-11-20", "--customer", "C001")
    sakura = supplier.customers.get(customer_code="C001")
    record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 12, 5), amount=Decimal(5000)
    )

    code, out, _err = run(
        "--supplier",
        "test-supplier",
        "--closing-date",
        "2026-12-20",
        "--customer",
        "C001",
        "--json",
    )

    (row,) = json_lines(out)
    assert code == 0
    assert (row["previous_balance"], row["payments"]) == (5189, 5000)
    # The 11-21 delivery: キャベツ 198 × 100 = 19,800 at 8% → tax 1,584.
    assert (row["total"], row["amount_due"]) == (21384, 189 + 21384)


@pytest.mark.usefixtures("billed_month")
def test_without_json_a_summary_in_japanese() -> None:
    code, out, _err = run("--supplier", "test-supplier", "--closing-date", "2026-11-20")

    lines = out.strip().splitlines()
    assert code == 0
    assert "C001" in lines[0]
    assert "今回請求額 ¥5,189 (新規発行)" in lines[0]
    assert lines[-1] == "締日 2026-11-20: 新規発行 2件 / 発行済み 0件 / 発行できず 0件"


@pytest.mark.usefixtures("billed_month")
def test_a_date_that_is_nobodys_closing_day_says_so_and_exits_0() -> None:
    code, out, err = run("--supplier", "test-supplier", "--closing-date", "2026-11-19", "--json")
    text_code, text_out, _ = run("--supplier", "test-supplier", "--closing-date", "2026-11-19")

    assert (code, out) == (0, "")
    assert "2026-11-19 が締日の得意先はありません" in err
    assert text_code == 0
    assert "2026-11-19 が締日の得意先はありません" in text_out
    assert not Document.objects.exists()


@pytest.mark.usefixtures("billed_month")
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--supplier", "nobody", "--closing-date", "2026-11-20"), "nobody"),
        (("--supplier", "test-supplier", "--closing-date", "2026-11-31"), "2026-11-31"),
        (("--supplier", "test-supplier", "--closing-date", "20261120x"), "YYYY-MM-DD"),
        (
            ("--supplier", "test-supplier", "--closing-date", "2026-11-20", "--customer", "C999"),
            "C999",
        ),
        (
            ("--supplier", "test-supplier", "--closing-date", "2026-11-20", "--customer", "C031"),
            "2026-11-30",
        ),
    ],
)
def test_bad_input_exits_1_with_a_clear_message_and_issues_nothing(
    args: tuple[str, ...], words: str
) -> None:
    code, _out, message = run(*args)

    assert code == 1
    assert words in message
    assert not Document.objects.exists()


def test_another_suppliers_customer_code_is_unknown(
    supplier: Organization, other_supplier: Organization
) -> None:
    customer_of(other_supplier, "X001", closing_day=20)

    code, _out, message = run(
        "--supplier", "test-supplier", "--closing-date", "2026-11-20", "--customer", "X001"
    )

    assert code == 1
    assert "X001" in message
    assert not Document.objects.exists()


@pytest.mark.usefixtures("billed_month")
def test_a_future_closing_date_is_refused_as_on_the_page() -> None:
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=TOKYO), tick=False):
        code, _out, err = run("--supplier", "test-supplier", "--closing-date", "2026-12-20")

    assert code == 1
    assert "締日 2026-12-20 はまだ来ていません (今日は 2026-12-04)" in err
    assert "--allow-future" in err
    assert Document.objects.count() == 0


@pytest.mark.usefixtures("billed_month")
def test_allow_future_needs_a_reason_and_records_it_in_the_audit_log(
    supplier: Organization,
) -> None:
    args = ("--supplier", "test-supplier", "--closing-date", "2026-12-20", "--allow-future")
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=TOKYO), tick=False):
        without = run(*args)
        code, out, err = run(*args, "--reason", "年末の休業前に請求するため", "--json")

    assert without[0] == 1
    assert "--reason" in without[2]
    assert code == 0, err
    assert [row["period_end"] for row in json_lines(out)] == ["2026-12-20", "2026-12-20"]
    entry = AuditEntry.objects.get(action="billing.future_closing_date")
    assert entry.organization_id == supplier.pk
    assert entry.changes == {
        "closing_date": "2026-12-20",
        "today": "2026-12-04",
        "reason": "年末の休業前に請求するため",
        "customer": "",
    }
