"""Every number in an import has a bound that fits its column and its meaning: a bad cell is a
row error (`行 N: 列: 理由`), and nothing is saved."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.models import Product
from tsunagu.documents import payments
from tsunagu.integrations.tests.conftest import Shop
from tsunagu.integrations.tests.orders_csv import import_orders, run_command, write_file
from tsunagu.ordering.models import Order

pytestmark = pytest.mark.django_db

HEADER = "商品コード,商品名,単価,税率,入数,最小注文数,発注単位\n"


def import_products(tmp_path: Path, rows: str) -> tuple[int, str]:
    path = write_file(tmp_path, "products.csv", (HEADER + rows).encode("utf-8"))
    run = run_command("import_csv", "products", "--supplier", "test-supplier", path)
    return run.code, run.out


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("12345678901234567890123,8,,,", "単価", "0 から 9,999,999.99 までの数を入れてください。"),
        ("1e400,8,,,", "単価", "0 から 9,999,999.99 までの数を入れてください。"),
        ("10000000,8,,,", "単価", "0 から 9,999,999.99 までの数を入れてください。"),
        ("100,8,99999999999999999999,,", "入数", "1 から 9,999 までの数を入れてください。"),
        ("100,8,10000,,", "入数", "1 から 9,999 までの数を入れてください。"),
        # More digits than Python reads as a whole number: refused, not a crash of the import.
        ("100,8," + "9" * 5000 + ",,", "入数", "1 から 9,999 までの数を入れてください。"),
        ("100,8,,1000000,", "最小注文数", "1 から 999,999 までの数を入れてください。"),
        ("100,8,,,9999999999999", "発注単位", "1 から 999,999 までの数を入れてください。"),
    ],
)
def test_a_number_out_of_bounds_is_a_row_error_and_nothing_is_saved(
    supplier: Organization, tmp_path: Path, cells: str, column: str, message: str
) -> None:
    code, out = import_products(tmp_path, f"P001,キャベツ,{cells}\nP002,白菜,100,8,,,\n")

    assert code == 1
    assert f"行 2: {column}: {message}" in out
    assert not Product.objects.exists()


def test_the_largest_numbers_in_bounds_are_saved_and_the_catalogue_still_opens(
    supplier: Organization, tmp_path: Path, supplier_client: Client
) -> None:
    code, out = import_products(tmp_path, "P001,キャベツ,9999999.99,8,9999,999999,999999\n")

    assert code == 0, out
    product = Product.objects.get()
    assert (product.unit_price, product.units_per_case, product.min_quantity) == (
        Decimal("9999999.99"),
        9999,
        999999,
    )
    assert supplier_client.get(reverse("product-list")).status_code == 200
    assert supplier_client.get(reverse("product-edit", args=[product.pk])).status_code == 200


ORDER_HEADER = "得意先コード,受注日,納品希望日,ステータス,商品コード,数量,単価\n"


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("1000000,", "数量", "1 から 999,999 までの数を入れてください。"),
        ("2,12345678901234567890123", "単価", "0 から 9,999,999.99 までの数を入れてください。"),
        ("999999,9999999", "数量", "（9,999,989,000,001 円）が 9,999,999,999 円を超えて"),
    ],
)
def test_an_order_line_out_of_bounds_is_a_row_error(
    shop: Shop, tmp_path: Path, cells: str, column: str, message: str
) -> None:
    content = ORDER_HEADER + f"C002,2026-11-03,2026-11-05,受注確定,P001,{cells}\n"

    run = import_orders(write_file(tmp_path, "orders.csv", content.encode("utf-8")))

    assert run.code == 1
    (line,) = [line for line in run.out.splitlines() if line.startswith("行 2:")]
    assert line.startswith(f"行 2: {column}: ")
    assert message in line
    assert not Order.objects.exists()


def test_a_payment_amount_out_of_bounds_is_a_row_error(supplier_admin: Membership) -> None:
    with pytest.raises(payments.PaymentRefusedError, match="9,999,999,999"):
        payments.parse_amount("１０，０００，０００，０００")


@pytest.mark.parametrize("typed", ["-5", "-99999999999", "-1e400", "0"])
def test_a_payment_amount_below_one_yen_asks_for_one_yen_or_more(typed: str) -> None:
    # A negative amount of any size gets the same message, never a range with negative numbers.
    with translation.override("ja"), pytest.raises(payments.PaymentRefusedError) as refused:
        payments.parse_amount(typed)

    assert str(refused.value) == "1円以上の金額を入力してください。"
