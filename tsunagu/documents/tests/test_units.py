"""Lines ordered by the case print what was ordered (1 ケース of 6 本), on every document."""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from tsunagu.accounts.models import Membership
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer
from tsunagu.documents import billing, services
from tsunagu.documents.issuing import DocLine
from tsunagu.documents.models import Document
from tsunagu.documents.services import CreditQuantity
from tsunagu.documents.tests.factories import NOW, issued, line, move_on
from tsunagu.documents.tests.test_pdf import pdf_text, squeeze
from tsunagu.ordering import services as ordering
from tsunagu.ordering.models import Order, OrderStatus, OrderUnit
from tsunagu.ordering.rules import LineRequest

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


def _case_order(supplier_admin: Membership, buyer_member: Membership, customer: Customer) -> Order:
    """1 ケース of 日本酒 (6 本 at ¥2,180), 2 ケース of 割り箸 (10 膳 at ¥12.5), 4 玉 of キャベツ."""
    supplier = supplier_admin.organization
    sake = ProductFactory.create(
        supplier=supplier,
        product_code="SAKE6",
        name="日本酒",
        unit="本",
        units_per_case=6,
        sold_by_case=True,
        unit_price=Decimal("2180"),
        tax_rate=10,
    )
    chopsticks = ProductFactory.create(
        supplier=supplier,
        product_code="HASHI",
        name="割り箸",
        unit="膳",
        units_per_case=10,
        sold_by_case=True,
        unit_price=Decimal("12.5"),
        tax_rate=10,
    )
    cabbage = ProductFactory.create(
        supplier=supplier,
        product_code="CABB",
        name="キャベツ",
        unit="玉",
        unit_price=Decimal("198"),
        tax_rate=8,
    )
    order = ordering.send_order(
        buyer_member,
        customer,
        location=customer.locations.get(is_default=True),
        lines=[
            LineRequest(sake, 1, OrderUnit.CASE),
            LineRequest(chopsticks, 2, OrderUnit.CASE),
            LineRequest(cabbage, 4),
        ],
        delivery_date=date(2026, 4, 21),
        idempotency_key=f"units-{next(_keys)}",
        now=NOW,
    ).order
    for step in (OrderStatus.ACCEPTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        order = move_on(order, step, supplier_admin)
    return order


def _rows(document: Document) -> list[tuple[object, ...]]:
    return [
        (
            row["product_name"],
            row["quantity"],
            row["order_unit"],
            row["units_per_case"],
            row["pieces"],
            row["price_per_unit"],
            row["amount"],
        )
        for row in document.content["lines"]
    ]


EXPECTED = [
    ("日本酒", 1, "case", 6, 6, "13080", "13080"),
    ("割り箸", 2, "case", 10, 20, "125", "250"),
    ("キャベツ", 4, "piece", None, 4, "198", "792"),
]


def _printed(text: str, name: str) -> str:
    """The printed row of the item `name` with the small line under it, without spaces."""
    lines = text.splitlines()
    for index, row in enumerate(lines):
        if re.search(rf"\s{name}\s", row):
            below = lines[index + 1] if index + 1 < len(lines) else ""
            return squeeze(row) + "|" + squeeze(below)
    raise AssertionError(f"{name} is not printed")


def _printed_rows_add_up(document: Document) -> None:
    """Every line's quantity × price per unit is its amount (rounded down for the demo rule)."""
    for row in document.content["lines"]:
        assert Decimal(row["price_per_unit"]) * row["quantity"] == Decimal(row["amount"])


@time_machine.travel(date(2026, 4, 25), tick=False)
def test_delivery_note_and_shipping_slip_print_cases_with_their_pieces(
    supplier_admin: Membership, buyer_member: Membership, customer: Customer, tmp_path: Path
) -> None:
    order = _case_order(supplier_admin, buyer_member, customer)

    note = services.issue_delivery_note(order, actor=supplier_admin)
    slip = services.issue_shipping_slip(order, actor=supplier_admin)

    for document in (note, slip):
        assert _rows(document) == EXPECTED
        _printed_rows_add_up(document)
    note_text = pdf_text(note, tmp_path)
    assert _printed(note_text, "日本酒").endswith(
        "日本酒1ケース13,08013,08010%|6本入計6本@2,180/本"
    )
    assert _printed(note_text, "割り箸").endswith("割り箸2ケース12525010%|10膳入計20膳@12.5/膳")
    assert "キャベツ※4玉1987928%※|" in _printed(note_text, "キャベツ")
    slip_text = pdf_text(slip, tmp_path)
    assert _printed(slip_text, "日本酒").endswith("日本酒1ケース□|6本入計6本")
    assert _printed(slip_text, "割り箸").endswith("割り箸2ケース□|10膳入計20膳")


def test_the_periodic_invoice_prints_cases_and_a_credit_note_takes_back_a_case(
    supplier_admin: Membership, buyer_member: Membership, customer: Customer, tmp_path: Path
) -> None:
    customer.closing_day = 31
    customer.save()
    order = _case_order(supplier_admin, buyer_member, customer)
    with time_machine.travel(date(2026, 4, 30), tick=False):
        invoice = billing.bill_customer(customer, closing_date=date(2026, 4, 30))[0]

    assert _rows(invoice) == EXPECTED
    assert invoice.amount_10 == Decimal(13080 + 250)
    text = pdf_text(invoice, tmp_path, page=2)
    assert _printed(text, "日本酒").endswith("日本酒1ケース13,08013,08010%|6本入計6本@2,180/本")
    assert list(invoice.orders.all()) == [order]

    with time_machine.travel(date(2026, 5, 2), tick=False):
        credit = services.issue_credit_note(
            invoice,
            actor=supplier_admin,
            lines=services.credit_lines(invoice, [CreditQuantity(index=1, quantity=1)]),
            reason="1ケース返品",
        )
    assert _rows(credit) == [("割り箸", -1, "case", 10, -10, "125", "-125")]
    assert _printed(pdf_text(credit, tmp_path), "割り箸").endswith(
        "割り箸-1ケース125-12510%|10膳入計-10膳@12.5/膳"
    )


@pytest.mark.parametrize(
    ("doc_line", "printed"),
    [
        (line(600, quantity=3, name="石鹸"), "石鹸3個20060010%|"),
        (
            DocLine(
                delivered_on=date(2026, 4, 10),
                order_number="S-000001",
                product_code="B1",
                product_name="ビール",
                quantity=2,
                unit_label="本",
                unit_price=Decimal("250"),
                amount=Decimal("12000"),
                tax_rate=10,
                order_unit=OrderUnit.CASE,
                units_per_case=24,
            ),
            "ビール2ケース6,00012,00010%|24本入計48本@250/本",
        ),
        # A case of unknown size (an old product): printed as cases, priced as given.
        (
            DocLine(
                delivered_on=date(2026, 4, 10),
                order_number="S-000001",
                product_code="B2",
                product_name="樽",
                quantity=1,
                unit_label="本",
                unit_price=Decimal("9000"),
                amount=Decimal("9000"),
                tax_rate=10,
                order_unit=OrderUnit.CASE,
            ),
            "樽1ケース9,0009,00010%|",
        ),
        (
            DocLine(
                delivered_on=date(2026, 4, 10),
                order_number="S-000001",
                product_code="",
                product_name="送料",
                quantity=1,
                unit_label="式",
                unit_price=Decimal("500"),
                amount=Decimal("500"),
                tax_rate=10,
            ),
            "送料1式50050010%|",
        ),
    ],
    ids=["piece", "case", "case-of-unknown-size", "shipping-fee"],
)
def test_every_unit_kind_prints_a_line_that_adds_up(
    supplier_admin: Membership,
    customer: Customer,
    doc_line: DocLine,
    printed: str,
    tmp_path: Path,
) -> None:
    document = issued(supplier_admin.organization, customer, lines=[doc_line])

    _printed_rows_add_up(document)
    name = doc_line.product_name
    assert printed in _printed(pdf_text(document, tmp_path), name)
    assert DocLine.from_content(document.content["lines"][0]) == doc_line


def test_content_of_the_first_version_is_read_as_pieces() -> None:
    row = line(600, quantity=3).as_content()
    for key in ("order_unit", "units_per_case", "pieces", "price_per_unit"):
        del row[key]

    old = DocLine.from_content(row)

    assert (old.order_unit, old.pieces, old.price_per_unit) == ("piece", 3, Decimal(200))
