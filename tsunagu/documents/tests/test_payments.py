"""Payments received: entered on the page, imported from CSV (all or nothing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.customers.models import Customer
from tsunagu.documents.billing import run_billing
from tsunagu.documents.models import DocumentStatus, Payment
from tsunagu.documents.payments import (
    PaymentRefusedError,
    check_payments_csv,
    import_payments_csv,
    outstanding,
    record_payment,
)
from tsunagu.documents.tests.factories import issued, line
from tsunagu.documents.tests.test_billing_run import customer_of

pytestmark = pytest.mark.django_db

GOOD = (
    "得意先コード,入金日,金額,備考\r\n"
    'Ｃ００１,2026/11/25,"１２，０００",振込 ｻｸﾗ\r\n'
    "C002,2026-11-26,8000円,\r\n"
    "\r\n"
    "C001,20261126,500,現金\r\n"
)
BAD = (
    "得意先コード,入金日,金額,備考\r\n"
    "C001,2026/11/25,12000,\r\n"
    "C999,2026/11/25,100,\r\n"
    "C002,2026/11/31,100,\r\n"
    "C002,2026/11/25,-100,\r\n"
    "C002,2026/11/25,12.5,\r\n"
    ",,,\r\n"
    "C002,,,\r\n"
)


@pytest.fixture
def customers(supplier: Organization) -> tuple[Customer, Customer]:
    return (
        customer_of(supplier, "C001", name="レストラン さくら", closing_day=20),
        customer_of(supplier, "C002", name="居酒屋 はなみち", closing_day=31),
    )


def upload(client: Client, text: str, encoding: str = "cp932") -> Any:
    return client.post(
        reverse("payment-import"),
        {
            "file": SimpleUploadedFile(
                "payments.csv", text.encode(encoding), content_type="text/csv"
            )
        },
    )


# ---- service -------------------------------------------------------------------------------------


def test_a_payment_is_recorded_and_audited(
    customers: tuple[Customer, Customer], supplier_admin: Membership
) -> None:
    sakura, _ = customers

    payment = record_payment(
        sakura,
        actor=supplier_admin,
        received_on=date(2026, 11, 25),
        amount=Decimal(12000),
        note=" 振込 ",
    )

    assert (payment.customer, payment.amount, payment.note) == (sakura, Decimal(12000), "振込")
    assert payment.created_by == supplier_admin.user
    entry = AuditEntry.objects.get(action="payment.recorded")
    assert entry.changes["amount"] == "12000"


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-5), Decimal("12.5")])
def test_an_amount_that_is_not_whole_positive_yen_is_refused(
    customers: tuple[Customer, Customer], supplier_admin: Membership, amount: Decimal
) -> None:
    with pytest.raises(PaymentRefusedError):
        record_payment(
            customers[0], actor=supplier_admin, received_on=date(2026, 11, 25), amount=amount
        )

    assert not Payment.objects.exists()


def test_another_suppliers_customer_cannot_be_paid(
    customers: tuple[Customer, Customer], outsider: Membership
) -> None:
    with pytest.raises(PermissionError):
        record_payment(
            customers[0], actor=outsider, received_on=date(2026, 11, 25), amount=Decimal(1)
        )

    assert not Payment.objects.exists()


def test_a_csv_in_cp932_with_full_width_digits_is_imported(
    supplier: Organization, customers: tuple[Customer, Customer], supplier_admin: Membership
) -> None:
    result = import_payments_csv(supplier, GOOD.encode("cp932"), actor=supplier_admin)

    assert result.errors == []
    assert result.applied
    assert sorted(
        Payment.objects.values_list("customer__customer_code", "received_on", "amount", "note")
    ) == [
        ("C001", date(2026, 11, 25), Decimal(12000), "振込 サクラ"),
        ("C001", date(2026, 11, 26), Decimal(500), "現金"),
        ("C002", date(2026, 11, 26), Decimal(8000), ""),
    ]
    assert AuditEntry.objects.get(action="payment.imported").changes == {
        "rows": 3,
        "total": "20500",
    }


def test_a_csv_with_bad_rows_saves_nothing_and_lists_every_bad_row(
    supplier: Organization, customers: tuple[Customer, Customer], supplier_admin: Membership
) -> None:
    result = import_payments_csv(supplier, BAD.encode("utf-8"), actor=supplier_admin)

    assert not result.applied
    assert not Payment.objects.exists()
    lines = result.error_lines()
    assert [(error.line, error.column) for error in result.errors] == [
        (3, "得意先コード"),
        (4, "入金日"),
        (5, "金額"),
        (6, "金額"),
        (8, "入金日"),
        (8, "金額"),
    ]
    assert lines[0].startswith("行 3: 得意先コード: ")
    assert "C999" in lines[0]
    assert lines[1].startswith("行 4: 入金日: ")


def test_a_csv_with_an_unknown_or_missing_column_is_refused(
    supplier: Organization, customers: tuple[Customer, Customer], supplier_admin: Membership
) -> None:
    result = import_payments_csv(
        supplier,
        "得意先コード,入金日,入金額\r\nC001,2026/11/25,100\r\n".encode(),
        actor=supplier_admin,
    )

    assert not result.applied
    assert [error.line for error in result.errors] == [1, 1]
    assert any("入金額" in line for line in result.error_lines())
    assert any("金額" in line for line in result.error_lines())
    assert not Payment.objects.exists()


def test_english_headers_are_accepted(
    supplier: Organization, customers: tuple[Customer, Customer]
) -> None:
    checked = check_payments_csv(
        supplier, b"customer_code,received_on,amount,note\nC001,2026-11-25,100,x\n"
    )

    assert checked.errors == []
    assert [(row.customer.customer_code, row.amount) for row in checked.rows] == [("C001", 100)]


def test_importing_the_same_file_twice_is_refused_the_second_time(
    supplier: Organization, customers: tuple[Customer, Customer], supplier_admin: Membership
) -> None:
    import_payments_csv(supplier, GOOD.encode("cp932"), actor=supplier_admin)

    again = import_payments_csv(supplier, GOOD.encode("cp932"), actor=supplier_admin)

    assert not again.applied
    assert [error.line for error in again.errors] == [2, 3, 5]
    assert Payment.objects.count() == 3


def test_a_payment_dated_in_a_period_already_invoiced_is_a_bad_row(
    supplier: Organization, customers: tuple[Customer, Customer], supplier_admin: Membership
) -> None:
    run_billing(supplier, closing_date=date(2026, 11, 20), customer=customers[0])

    result = import_payments_csv(
        supplier,
        "得意先コード,入金日,金額\r\nC001,2026/11/20,100\r\nC001,2026/11/21,100\r\n".encode(),
        actor=supplier_admin,
    )

    assert [(error.line, error.column) for error in result.errors] == [(2, "入金日")]
    assert not Payment.objects.exists()


# ---- pages ---------------------------------------------------------------------------------------


def test_a_payment_typed_with_full_width_digits_is_recorded(
    supplier_client: Client, customers: tuple[Customer, Customer]
) -> None:
    response = supplier_client.post(
        reverse("payment-list"),
        {
            "customer_code": "ｃ００１",  # lower case, full width: C001
            "received_on": "２０２６/１１/２５",
            "amount": "１２，０００円",
            "note": "振込",
        },
    )

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.customer.customer_code, payment.received_on, payment.amount) == (
        "C001",
        date(2026, 11, 25),
        Decimal(12000),
    )
    page = supplier_client.get(reverse("payment-list")).content.decode()
    assert "¥12,000" in page
    assert "レストラン さくら" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"customer_code": "C999", "received_on": "2026-11-25", "amount": "100"}, "C999"),
        ({"customer_code": "C001", "received_on": "2026-11-31", "amount": "100"}, "2026-11-31"),
        ({"customer_code": "C001", "received_on": "2026-11-25", "amount": "百円"}, "百円"),
    ],
)
def test_a_bad_payment_is_refused_and_the_form_keeps_what_was_typed(
    supplier_client: Client,
    customers: tuple[Customer, Customer],
    data: dict[str, str],
    field: str,
) -> None:
    response = supplier_client.post(reverse("payment-list"), {**data, "note": "メモ"})

    page = response.content.decode()
    assert response.status_code == 400
    assert field in page
    assert 'value="メモ"' in page
    assert not Payment.objects.exists()


def test_the_import_page_imports_a_good_file(
    supplier_client: Client, customers: tuple[Customer, Customer]
) -> None:
    response = upload(supplier_client, GOOD)

    assert response.status_code == 302
    assert Payment.objects.count() == 3


def test_the_import_page_lists_every_bad_row_and_saves_nothing(
    supplier_client: Client, customers: tuple[Customer, Customer]
) -> None:
    response = upload(supplier_client, BAD, "utf-8-sig")

    page = response.content.decode()
    assert response.status_code == 400
    assert "行 3: 得意先コード:" in page
    assert "行 5: 金額:" in page
    assert not Payment.objects.exists()


def test_another_supplier_cannot_see_or_pay_a_customer_it_does_not_have(
    supplier_client: Client,
    outsider_client: Client,
    customers: tuple[Customer, Customer],
    supplier_admin: Membership,
) -> None:
    record_payment(
        customers[0], actor=supplier_admin, received_on=date(2026, 11, 25), amount=Decimal(777)
    )

    page = outsider_client.get(reverse("payment-list")).content.decode()
    refused = outsider_client.post(
        reverse("payment-list"),
        {"customer_code": "C001", "received_on": "2026-11-25", "amount": "100"},
    )
    imported = upload(outsider_client, "得意先コード,入金日,金額\r\nC001,2026/11/25,100\r\n")

    assert "¥777" not in page
    assert "レストラン さくら" not in page
    assert refused.status_code == 400
    assert imported.status_code == 400
    assert list(Payment.objects.values_list("amount", flat=True)) == [Decimal(777)]


def test_a_viewer_cannot_enter_or_import_payments(
    supplier_member: Membership, customers: tuple[Customer, Customer]
) -> None:
    supplier_member.role = "viewer"
    supplier_member.save(update_fields=["role"])
    client = client_for(supplier_member)

    assert client.get(reverse("payment-list")).status_code == 200
    assert (
        client.post(
            reverse("payment-list"),
            {"customer_code": "C001", "received_on": "2026-11-25", "amount": "100"},
        ).status_code
        == 403
    )
    assert upload(client, GOOD).status_code == 403
    assert not Payment.objects.exists()


def test_the_payment_list_uses_a_fixed_number_of_queries(
    supplier_client: Client, customers: tuple[Customer, Customer], supplier_admin: Membership
) -> None:
    supplier_client.get(reverse("payment-list"))

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            supplier_client.get(reverse("payment-list"))
        return len(context.captured_queries)

    record_payment(
        customers[0], actor=supplier_admin, received_on=date(2026, 11, 1), amount=Decimal(1)
    )
    few = count()
    for day in range(2, 8):
        record_payment(
            customers[day % 2],
            actor=supplier_admin,
            received_on=date(2026, 11, day),
            amount=Decimal(day),
        )

    assert count() == few


def test_a_payment_for_a_per_order_invoice_names_it_and_pays_it_when_it_covers_it(
    supplier_client: Client, supplier: Organization, customers: tuple[Customer, Customer]
) -> None:
    customer = customers[0]
    customer.billing_method = Customer.BillingMethod.PER_ORDER
    customer.save()
    invoice = issued(supplier, customer, lines=[line(1000)], issued_on=date(2026, 11, 2))
    assert invoice.total == Decimal(1100)
    form = {"customer_code": "C001", "received_on": "2026-11-20", "note": ""}

    supplier_client.post(
        reverse("payment-list"),
        {**form, "amount": "600", "invoice_number": invoice.number.lower()},
    )
    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.ISSUED
    response = supplier_client.post(
        reverse("payment-list"), {**form, "amount": "500", "invoice_number": invoice.number}
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.PAID
    assert list(Payment.objects.values_list("invoice_id", flat=True)) == [invoice.pk] * 2
    assert outstanding(invoice) == Decimal(-0)


def test_an_invoice_number_the_customer_does_not_owe_is_refused_at_its_field(
    supplier_client: Client, supplier: Organization, customers: tuple[Customer, Customer]
) -> None:
    other = issued(supplier, customers[1], lines=[line(1000)], issued_on=date(2026, 11, 2))

    response = supplier_client.post(
        reverse("payment-list"),
        {
            "customer_code": "C001",
            "received_on": "2026-11-20",
            "amount": "1100",
            "invoice_number": other.number,
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert f"C001 には請求書番号 {other.number} の未払いの請求書がありません" in page
    assert 'value="1100"' in page
    assert not Payment.objects.exists()
