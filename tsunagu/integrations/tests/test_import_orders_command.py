from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.models import AuditEntry
from tsunagu.core import bounds
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.integrations.tests.conftest import Shop
from tsunagu.integrations.tests.orders_csv import ORDERS_CSV, import_orders, write_file
from tsunagu.ordering.models import Order, OrderEvent, OrderSequence

pytestmark = pytest.mark.django_db


def lines_of(order: Order) -> list[tuple[str, int, Decimal, Decimal, str]]:
    return [
        (line.product_code, line.quantity, line.unit_price, line.amount, line.note)
        for line in order.lines.all()
    ]


def test_a_cp932_file_of_two_orders_is_recorded_as_it_happened(shop: Shop, tmp_path: Path) -> None:
    path = write_file(tmp_path, "orders.csv", ORDERS_CSV.encode("cp932"))

    run = import_orders(path)

    assert run.code == 0, run.out
    assert run.last_line == "作成 2件 / 更新 0件 / エラー 0件"
    by_rows = Order.objects.get(number="S-000001")
    assert by_rows.customer == shop.sakura
    assert by_rows.buyer == shop.sakura.buyer
    assert (by_rows.status, by_rows.channel) == ("delivered", "fax")
    assert by_rows.entered_by_supplier
    assert timezone.localtime(by_rows.ordered_at).date() == date(2026, 11, 2)
    assert by_rows.requested_delivery_date == date(2026, 11, 4)
    assert by_rows.delivery_date == date(2026, 11, 4)
    # No 単価: the customer's own price 11.5; 3 × 11.5 = 34.5, rounded down (切り捨て) to 34.
    assert lines_of(by_rows) == [
        ("P001", 3, Decimal("11.5"), Decimal("34"), "パック①で"),
        ("P002", 10, Decimal("120"), Decimal("1200"), ""),
    ]
    assert by_rows.subtotal == Decimal("1234")
    numbered = Order.objects.get(number="X-100")
    assert (numbered.customer, numbered.status, numbered.channel) == (
        shop.hanamichi,
        "accepted",
        "phone",
    )
    assert numbered.delivery_date is None
    assert lines_of(numbered) == [
        ("P003", 2, Decimal("980"), Decimal("1960"), "～午前中～"),
        ("P001", 7, Decimal("12.5"), Decimal("87"), ""),
    ]
    assert list(numbered.lines.values_list("product_name", "unit_label", "tax_rate")) == [
        ("業務用洗剤 5L", "本", 10),
        ("髙﨑㈱ 特製だし～極み～", "本", 8),
    ]
    assert sorted(OrderEvent.objects.values_list("kind", "to_status")) == [
        ("imported", "accepted"),
        ("imported", "delivered"),
    ]


def test_imported_orders_are_audited_as_proxy_entries(shop: Shop, tmp_path: Path) -> None:
    path = write_file(tmp_path, "orders.csv", ORDERS_CSV.encode("cp932"))

    import_orders(path)

    supplier_chain = AuditEntry.objects.filter(organization_id=shop.supplier.pk)
    entries = supplier_chain.filter(action="order.imported").order_by("target_label")
    assert [(e.target_label, e.acting_for_id, e.actor_email) for e in entries] == [
        ("S-000001", shop.sakura.buyer_id, "manage.py import_csv"),
        ("X-100", None, "manage.py import_csv"),
    ]
    # The buyer with a login finds the order entered for it in its own log too.
    assert list(
        AuditEntry.objects.filter(organization_id=shop.sakura.buyer_id).values_list(
            "action", "target_label"
        )
    ) == [("order.imported", "S-000001")]
    summary = supplier_chain.get(action="import.orders")
    assert summary.changes == {"created": 2, "updated": 0, "lines": 4}


def test_rows_are_grouped_by_number_or_by_customer_and_dates(shop: Shop, tmp_path: Path) -> None:
    content = (
        "受注番号,得意先コード,受注日,納品希望日,ステータス,商品コード,数量\n"
        ",C001,2026-11-02,2026-11-04,受付待ち,P001,1\n"
        ",C001,2026-11-02,2026-11-05,受付待ち,P001,2\n"
        "A-7,C002,2026-11-02,2026-11-04,受付待ち,P002,3\n"
        ",C001,2026-11-02,2026-11-04,受付待ち,P002,4\n"
        "A-7,C002,2026-11-02,2026-11-04,受付待ち,P003,5\n"
        ",C002,2026-11-02,2026-11-04,受付待ち,P003,6\n"
    )
    path = write_file(tmp_path, "orders.csv", content.encode("utf-8"))

    run = import_orders(path)

    assert run.last_line == "作成 4件 / 更新 0件 / エラー 0件"
    orders = {
        order.number: [(line.product_code, line.quantity) for line in order.lines.all()]
        for order in Order.objects.all()
    }
    assert orders == {
        "S-000001": [("P001", 1), ("P002", 4)],
        "S-000002": [("P001", 2)],
        "A-7": [("P002", 3), ("P003", 5)],
        "S-000003": [("P003", 6)],
    }


def test_every_bad_row_is_listed_and_nothing_changes(shop: Shop, tmp_path: Path) -> None:
    CustomerFactory.create(supplier=shop.supplier, customer_code="C003")  # no location
    content = (
        "受注番号,得意先コード,受注日,納品希望日,納品日,ステータス,受注経路,商品コード,数量,単価\n"
        ",C001,2026-11-02,2026-11-04,,受注確定,phone,P001,1,\n"
        ",NOPE,2026-11-02,2026-11-04,,受注確定,phone,P001,1,\n"
        ",C001,2026-02-30,2026-11-04,,受注確定,phone,P001,1,\n"
        ",C001,26/11/2026,2026-11-04,,受注確定,phone,P001,1,\n"
        ",C001,2026-11-02,2026-11-04,,受注確定,phone,NOPE,abc,\n"
        ",C001,2026-11-02,2026-11-06,,納品済,phone,P001,1,\n"
        ",C001,2026-11-02,2026-11-07,,done,pigeon,P001,1,x\n"
        "A-1,C001,2026-11-02,2026-11-04,,受注確定,phone,P001,1,\n"
        "A-1,C002,2026-11-02,2026-11-04,,受注確定,phone,P002,1,\n"
        ",C001,2026-11-02,,,受注確定,phone,P001,0,\n"
        ",C003,2026-11-02,2026-11-04,,受注確定,phone,P001,1,\n"
    )
    path = write_file(tmp_path, "bad.csv", content.encode("cp932"))

    run = import_orders(path, "--json")

    assert run.code == 1
    statuses = "受付待ち, 受注確定, 出荷済, 納品済, キャンセル"
    assert json.loads(run.out)["errors"] == [
        {"line": line, "column": column, "message": message}
        for line, column, message in [
            (3, "得意先コード", _("No customer has the code %(code)s.") % {"code": "NOPE"}),
            (4, "受注日", _("%(value)s is not a day on the calendar.") % {"value": "2026-02-30"}),
            (
                5,
                "受注日",
                _("%(value)s is not a date: write it like 2026-11-26 or 2026/11/26.")
                % {"value": "26/11/2026"},
            ),
            (6, "商品コード", _("No product has the code %(code)s.") % {"code": "NOPE"}),
            (6, "数量", _("%(value)s is not a whole number.") % {"value": "abc"}),
            (7, "納品日", _("Required when the status is %(status)s.") % {"status": "納品済"}),
            (8, "ステータス", _("Write one of: %(choices)s.") % {"choices": statuses}),
            (
                8,
                "受注経路",
                _("Write one of: %(choices)s.") % {"choices": "web, phone, fax, email, line, api"},
            ),
            (8, "単価", _("%(value)s is not a number.") % {"value": "x"}),
            (10, "得意先コード", _("Differs from line %(line)s of the same order.") % {"line": 9}),
            (11, "納品希望日", _("This cell is required.")),
            (11, "数量", bounds.QUANTITY.problem(0)),
            (
                12,
                "得意先コード",
                _(
                    "The customer %(code)s has no delivery location: add one on the customer's "
                    "page first."
                )
                % {"code": "C003"},
            ),
        ]
    ]
    assert not Order.objects.exists()
    assert not OrderSequence.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="import").exists()


def test_text_output_lists_bad_rows_as_line_column_reason(shop: Shop, tmp_path: Path) -> None:
    content = "得意先コード,受注日,納品希望日,ステータス,商品コード,数量\nC001,2026-11-02,2026-11-04,受注確定,P001,１２x\n"
    path = write_file(tmp_path, "bad.csv", content.encode("cp932"))

    run = import_orders(path)

    assert run.code == 1
    assert run.out.strip().splitlines() == [
        "行 2: 数量: " + _("%(value)s is not a whole number.") % {"value": "１２x"},
        "作成 0件 / 更新 0件 / エラー 1件",
    ]


def test_missing_columns_are_named(shop: Shop, tmp_path: Path) -> None:
    path = write_file(
        tmp_path, "bad.csv", "得意先コード,商品コード,数量,色\nC001,P001,1,赤\n".encode()
    )

    run = import_orders(path)

    assert run.code == 1
    missing = _("The column %(header)s is missing.")
    assert run.out.strip().splitlines()[:-1] == [
        "行 1: " + _("Unknown column %(header)s.") % {"header": "色"},
        "行 1: " + missing % {"header": "受注日"},
        "行 1: " + missing % {"header": "納品希望日"},
        "行 1: " + missing % {"header": "ステータス"},
    ]


def test_dry_run_counts_and_changes_nothing(shop: Shop, tmp_path: Path) -> None:
    path = write_file(tmp_path, "orders.csv", ORDERS_CSV.encode("cp932"))

    text_run = import_orders(path, "--dry-run")
    json_run = import_orders(path, "--dry-run", "--json")

    assert text_run.code == 0
    assert text_run.last_line == "(確認のみ・変更なし) 作成 2件 / 更新 0件 / エラー 0件"
    assert json.loads(json_run.out) == {"created": 2, "updated": 0, "errors": []}
    assert not Order.objects.exists()
    assert not AuditEntry.objects.exists()


def test_importing_the_same_file_again_records_nothing_new(shop: Shop, tmp_path: Path) -> None:
    path = write_file(tmp_path, "orders.csv", ORDERS_CSV.encode("cp932"))
    import_orders(path)
    entries = AuditEntry.objects.count()

    run = import_orders(path, "--json")

    assert json.loads(run.out) == {"created": 0, "updated": 2, "errors": []}
    assert Order.objects.count() == 2
    assert OrderSequence.objects.get(supplier=shop.supplier).last_number == 1
    # Only the import itself is logged: no order was recorded.
    assert AuditEntry.objects.count() == entries + 1


def test_a_known_number_with_other_contents_is_refused(shop: Shop, tmp_path: Path) -> None:
    import_orders(write_file(tmp_path, "a.csv", ORDERS_CSV.encode("cp932")))
    changed = ORDERS_CSV.replace("P003,業務用洗剤,2,", "P003,業務用洗剤,3,")
    path = write_file(tmp_path, "b.csv", changed.encode("cp932"))

    run = import_orders(path, "--json")

    assert run.code == 1
    message = _(
        "The order %(number)s is already recorded with another %(column)s. An import never "
        "changes a recorded order: give this one another number, or leave the number blank."
    ) % {"number": "X-100", "column": "数量"}
    assert json.loads(run.out)["errors"] == [{"line": 3, "column": "受注番号", "message": message}]
    assert list(Order.objects.get(number="X-100").lines.values_list("quantity", flat=True)) == [
        2,
        7,
    ]


def test_a_given_number_in_the_sequence_form_moves_the_sequence_past_it(
    shop: Shop, tmp_path: Path
) -> None:
    content = (
        "受注番号,得意先コード,受注日,納品希望日,ステータス,商品コード,数量\n"
        "S-000010,C001,2026-11-02,2026-11-04,受注確定,P001,1\n"
        ",C002,2026-11-02,2026-11-04,受注確定,P001,1\n"
    )
    path = write_file(tmp_path, "orders.csv", content.encode("utf-8"))

    import_orders(path)

    assert sorted(Order.objects.values_list("number", flat=True)) == ["S-000010", "S-000011"]
    assert OrderSequence.objects.get(supplier=shop.supplier).last_number == 11
