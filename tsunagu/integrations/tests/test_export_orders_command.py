from __future__ import annotations

import inspect
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tsunagu.accounts.models import Membership
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.integrations import services
from tsunagu.integrations.csv import order_export
from tsunagu.integrations.tests.conftest import Shop
from tsunagu.integrations.tests.orders_csv import (
    ORDERS_CSV,
    export_orders,
    import_orders,
    write_file,
)
from tsunagu.ordering.models import Order

pytestmark = pytest.mark.django_db

HEADER = "受注番号,得意先コード,得意先名,受注日,納品希望日,納品日,ステータス,受注経路,商品コード,商品名,数量,単位,単価,金額,税率,備考"


@pytest.fixture
def imported(shop: Shop, tmp_path: Path) -> Shop:
    run = import_orders(write_file(tmp_path, "orders.csv", ORDERS_CSV.encode("cp932")))
    assert run.code == 0, run.out
    return shop


def test_the_default_export_is_cp932_with_the_contract_columns(
    imported: Shop, tmp_path: Path
) -> None:
    output = tmp_path / "out.csv"

    run = export_orders("--output", str(output))

    assert run.code == 0, run.err
    assert run.err.strip() == "4行を書き出しました。"
    assert output.read_bytes().decode("cp932").split("\r\n") == [
        HEADER,
        "S-000001,C001,㈱ﾚｽﾄﾗﾝ髙﨑,2026-11-02,2026-11-04,2026-11-04,納品済,fax,P001,髙﨑㈱ 特製だし～極み～,3,本,11.5,34,8,パック①で",
        "S-000001,C001,㈱ﾚｽﾄﾗﾝ髙﨑,2026-11-02,2026-11-04,2026-11-04,納品済,fax,P002,キャベツ ①玉,10,玉,120,1200,8,",
        "X-100,C002,居酒屋 はなみち,2026-11-03,2026-11-05,,受注確定,phone,P003,業務用洗剤 5L,2,本,980,1960,10,～午前中～",
        "X-100,C002,居酒屋 はなみち,2026-11-03,2026-11-05,,受注確定,phone,P001,髙﨑㈱ 特製だし～極み～,7,本,12.5,87,8,",
        "",
    ]


def test_an_export_imports_back_unchanged_and_exports_again_byte_for_byte(
    imported: Shop, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    export_orders("--output", str(first))

    checked = import_orders(str(first), "--dry-run")
    applied = import_orders(str(first))
    second = tmp_path / "second.csv"
    export_orders("--output", str(second))

    assert checked.last_line == "(確認のみ・変更なし) 作成 0件 / 更新 2件 / エラー 0件"
    assert applied.last_line == "作成 0件 / 更新 2件 / エラー 0件"
    assert Order.objects.count() == 2
    assert second.read_bytes() == first.read_bytes()


def test_dates_filter_on_the_order_date(imported: Shop, tmp_path: Path) -> None:
    output = tmp_path / "out.csv"

    export_orders("--from", "2026/11/03", "--to", "2026-11-03", "--output", str(output))

    rows = output.read_bytes().decode("cp932").splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["X-100", "X-100"]


def test_characters_cp932_cannot_hold_are_named_and_nothing_is_written(
    imported: Shop, tmp_path: Path
) -> None:
    ProductFactory.create(supplier=imported.supplier, product_code="P009", name="𠮷野家の牛丼")
    content = "得意先コード,受注日,納品希望日,ステータス,商品コード,数量,備考\nC002,2026-11-04,2026-11-06,受付待ち,P009,1,お早めに😀 — 以上\n"
    import_orders(write_file(tmp_path, "more.csv", content.encode("utf-8")))
    output = tmp_path / "out.csv"
    output.write_bytes(b"earlier export")

    refused = export_orders("--output", str(output))

    assert refused.code == 1
    assert refused.err.splitlines()[:2] == [
        "行 6: 商品名: 文字 '𠮷' (U+20BB7) はCP932で表せません",
        "行 6: 備考: 文字 '😀' (U+1F600) はCP932で表せません",
    ]
    assert "何も書き出していません" in refused.err
    assert output.read_bytes() == b"earlier export"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-")]

    replaced = export_orders("--output", str(output), "--replace")

    assert replaced.code == 0
    assert replaced.err.strip() == (
        "5行を書き出しました。 CP932で表せない 2 文字を 〓 に置き換えました。"
    )
    last = output.read_bytes().decode("cp932").splitlines()[-1]
    # The em dash is the same JIS character as CP932's horizontal bar: kept, not replaced.
    assert last.endswith(",〓野家の牛丼,1,個,100,100,8,お早めに〓 ― 以上")


def test_utf8_keeps_every_character(imported: Shop, tmp_path: Path) -> None:
    ProductFactory.create(supplier=imported.supplier, product_code="P009", name="𠮷野家の牛丼")
    content = "得意先コード,受注日,納品希望日,ステータス,商品コード,数量\nC002,2026-11-04,2026-11-06,受付待ち,P009,1\n"
    import_orders(write_file(tmp_path, "more.csv", content.encode("utf-8")))
    output = tmp_path / "out.csv"

    run = export_orders("--encoding", "utf-8-sig", "--output", str(output))

    assert run.code == 0
    data = output.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    assert "𠮷野家の牛丼" in data.decode("utf-8-sig")


def test_a_named_profile_picks_renames_and_adds_columns(
    imported: Shop, supplier_admin: Membership, tmp_path: Path
) -> None:
    services.save_export_profile(
        None,
        actor=supplier_admin,
        name="弥生販売用",
        encoding="utf-8",
        date_format="%Y%m%d",
        columns=[
            {"source": "order_number", "header": "伝票番号"},
            {"source": "fixed", "header": "区分", "value": "1"},
            {"source": "ordered_on", "header": "日付"},
            {"source": "amount", "header": "金額"},
        ],
    )
    output = tmp_path / "out.csv"

    run = export_orders("--profile", "弥生販売用", "--output", str(output))

    assert run.code == 0, run.err
    assert output.read_bytes().decode("utf-8").split("\r\n") == [
        "伝票番号,区分,日付,金額",
        "S-000001,1,20261102,34",
        "S-000001,1,20261102,1200",
        "X-100,1,20261103,1960",
        "X-100,1,20261103,87",
        "",
    ]
    assert export_orders("--profile", "ない").err.endswith("出力設定 ない はありません。")


def test_without_output_the_csv_goes_to_stdout(imported: Shop) -> None:
    run = export_orders("--encoding", "utf-8")

    assert run.out.splitlines()[0] == HEADER
    assert len(run.out.splitlines()) == 5


def test_rows_are_read_and_encoded_lazily(imported: Shop, django_assert_num_queries: Any) -> None:
    lines = order_export.lines_of(imported.supplier)
    export = order_export.Export(order_export.default_layout(), lines)

    assert inspect.isgeneratorfunction(order_export.Export.chunks)
    with django_assert_num_queries(0):
        chunks = export.chunks(buffer_size=1)
        header = next(chunks)  # the header needs no query
    with django_assert_num_queries(1):
        first_row = next(chunks)

    assert header.decode("cp932") == HEADER + "\r\n"
    assert first_row.decode("cp932").startswith("S-000001,C001,")
    assert export.rows == 1
    assert Decimal(first_row.decode("cp932").split(",")[12]) == Decimal("11.5")
