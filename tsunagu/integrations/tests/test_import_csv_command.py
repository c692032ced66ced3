from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import Product
from tsunagu.catalog.selectors import products_of
from tsunagu.customers.models import Customer

pytestmark = pytest.mark.django_db

PRODUCTS_CP932 = (
    "商品コード,商品名,商品名カナ,JANコード,単位,入数,単価,税率,最小注文数,発注単位,カテゴリ\r\n"
    "Ｐ００１,ｷｬﾍﾞﾂ ①玉,ｷｬﾍﾞﾂ,4901234567894,玉,10,１２．５,8,1,1,野菜\r\n"
    'P002,髙﨑㈱ 特製だし～極み～,タカサキトクセイダシ,,本,12,"1,200",8,2,2,調味料\r\n'
    "P003,業務用洗剤 5L,ギョウムヨウセンザイ,,本,,980,10,,,日用品\r\n"
)


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("import_csv", *args, stdout=out, stderr=StringIO())
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_products_from_a_cp932_file_with_difficult_characters(
    supplier: Organization, tmp_path: Path
) -> None:
    path = write(tmp_path, "products.csv", PRODUCTS_CP932.encode("cp932"))

    code, out = run("products", "--supplier", "test-supplier", path)

    assert code == 0
    assert out.strip().splitlines()[-1] == "作成 3件 / 更新 0件 / エラー 0件"
    cabbage = Product.objects.get(product_code="P001")
    assert cabbage.name == "キャベツ ①玉"
    assert cabbage.unit_price == Decimal("12.5")
    assert cabbage.tax_rate == 8
    assert cabbage.units_per_case == 10
    dashi = Product.objects.get(product_code="P002")
    assert dashi.name == "髙﨑㈱ 特製だし～極み～"
    assert dashi.unit_price == Decimal("1200")
    assert (dashi.min_quantity, dashi.order_multiple) == (2, 2)
    detergent = Product.objects.get(product_code="P003")
    assert (detergent.tax_rate, detergent.min_quantity) == (10, 1)
    for query in ("ｷｬﾍﾞﾂ", "きゃべつ", "キャベツ", "ｐ００１", "4901234567894"):
        assert [p.product_code for p in products_of(supplier, query=query)] == ["P001"]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_bom_and_english_headers(
    supplier: Organization, tmp_path: Path, bom: bytes
) -> None:
    content = "product_code,name,unit_price,tax_rate\nA1,りんご,98,8\n"
    path = write(tmp_path, "p.csv", bom + content.encode("utf-8"))

    assert run("products", "--supplier", "test-supplier", path)[0] == 0
    assert Product.objects.get(product_code="A1").name == "りんご"


def test_a_bad_file_changes_nothing_and_lists_every_bad_row(
    supplier: Organization, tmp_path: Path
) -> None:
    content = (
        "商品コード,商品名,単価,税率,JANコード\n"
        "B1,よい商品,100,10,\n"
        "B2,,abc,5,4901234567890\n"
        "B1,二度目,100,10,\n"
    )
    path = write(tmp_path, "bad.csv", content.encode("cp932"))

    code, out = run("products", "--supplier", "test-supplier", path)

    assert code == 1
    lines = out.strip().splitlines()
    assert lines[:-1] == [
        "行 3: 単価: abc は数値ではありません。",
        "行 3: 税率: 10 または 8 と書いてください。",
        "行 3: JANコード: JANコードのチェックデジットが合いません。1桁ずつお確かめください。",
        "行 3: 商品名: 新しい行では必須です。",
        "行 4: 商品コード: 同じコードが 2 行目にもあります。",
    ]
    assert lines[-1] == "作成 1件 / 更新 0件 / エラー 5件"
    assert not Product.objects.exists()


def test_dry_run_and_json(supplier: Organization, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "商品コード,商品名,単価,税率\nC1,みかん,50,8\n".encode("cp932"))

    code, out = run("products", "--supplier", "test-supplier", path, "--dry-run", "--json")

    assert code == 0
    assert json.loads(out) == {"created": 1, "updated": 0, "errors": []}
    assert not Product.objects.exists()


def test_known_codes_are_updated(supplier: Organization, tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", "商品コード,商品名,単価,税率\nD1,なし,100,8\n".encode("cp932"))
    run("products", "--supplier", "test-supplier", first)
    second = write(tmp_path, "b.csv", "商品コード,単価\nD1,120\nD2,50\n".encode("cp932"))

    code, out = run("products", "--supplier", "test-supplier", second, "--json")

    assert code == 1
    assert json.loads(out)["errors"] == [
        {"line": 3, "column": "商品名", "message": "新しい行では必須です。"},
        {"line": 3, "column": "税率", "message": "新しい行では必須です。"},
    ]
    assert Product.objects.get(product_code="D1").unit_price == Decimal("100")
    third = write(tmp_path, "c.csv", "商品コード,単価\nＤ１,１２０\n".encode("cp932"))
    assert (
        run("products", "--supplier", "test-supplier", third)[1]
        .strip()
        .endswith("作成 0件 / 更新 1件 / エラー 0件")
    )
    assert Product.objects.get(product_code="D1").unit_price == Decimal("120")


def test_customers_with_terms_and_weekdays(supplier: Organization, tmp_path: Path) -> None:
    content = (
        "得意先コード,得意先名,得意先名カナ,郵便番号,住所,電話番号,FAX番号,メールアドレス,締日,支払月,支払日,登録番号,納品曜日\n"
        "C001,レストラン ｻｸﾗ,ﾚｽﾄﾗﾝｻｸﾗ,１０４－００４５,東京都中央区,03-1111-2222,03-1111-2223,Sakura@Example.JP,20,翌月,末,T4010001234567,月水金\n"
        "C002,居酒屋 はなみち,,,,,,,末,0,25,,\n"
    )
    path = write(tmp_path, "customers.csv", content.encode("cp932"))

    code, out = run("customers", "--supplier", "test-supplier", path)

    assert code == 0, out
    sakura = Customer.objects.get(customer_code="C001")
    assert sakura.name == "レストラン サクラ"
    assert sakura.postal_code == "104-0045"
    assert sakura.email == "sakura@example.jp"
    assert sakura.terms_label == "20日締め翌月末払い"
    assert sakura.weekdays_label == "月水金"
    assert sakura.locations.get().is_default
    hanamichi = Customer.objects.get(customer_code="C002")
    assert hanamichi.terms_label == "末締め当月25日払い"
    assert hanamichi.weekdays_label == "月火水木金土日"


def test_the_optional_billing_column_sets_customers_billed_per_delivery(
    supplier: Organization, tmp_path: Path
) -> None:
    content = "得意先コード,得意先名,請求方法\nC010,喫茶 つばめ,都度\nC011,食堂 かもめ,締め\nC012,寿司 いろは,\nC013,誤り,毎週\n"
    bad = write(tmp_path, "bad.csv", content.encode("cp932"))

    code, out = run("customers", "--supplier", "test-supplier", bad)

    assert code == 1
    assert "行 5" in out or '"line": 5' in out
    assert not Customer.objects.filter(customer_code__startswith="C01").exists()
    good = write(tmp_path, "good.csv", content.rsplit("C013", 1)[0].encode("cp932"))
    assert run("customers", "--supplier", "test-supplier", good)[0] == 0
    methods = dict(Customer.objects.values_list("customer_code", "billing_method"))
    assert methods == {"C010": "per_order", "C011": "closing", "C012": "closing"}
    assert Customer.objects.get(customer_code="C010").terms_label == "都度請求（末締め翌月末払い）"


def test_bad_customer_cells_are_named(supplier: Organization, tmp_path: Path) -> None:
    content = "得意先コード,得意先名,締日,メールアドレス,納品曜日,登録番号\nX1,名前,30,not-mail,月曜と木曜,T123\n"
    path = write(tmp_path, "c.csv", content.encode("utf-8"))

    code, out = run("customers", "--supplier", "test-supplier", path)

    assert code == 1
    assert [line.split(":")[1].strip() for line in out.strip().splitlines()[:-1]] == [
        "締日",
        "メールアドレス",
        "納品曜日",
        "登録番号",
    ]
    assert not Customer.objects.exists()


def test_unknown_supplier_and_missing_key_column(supplier: Organization, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "名前,単価\nx,1\n".encode())

    with pytest.raises(CommandError, match="受注企業 nope はありません"):
        call_command("import_csv", "products", "--supplier", "nope", path)
    code, out = run("products", "--supplier", "test-supplier", path)
    assert code == 1
    assert "行 1: 列 商品コード がありません。" in out
