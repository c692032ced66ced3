from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.models import CustomerPrice, Product, ProductField
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PRODUCT = {
    "product_code": "Ｐ－１",
    "name": "ｷｬﾍﾞﾂ",
    "name_kana": "キャベツ",
    "jan_code": "",
    "category": "野菜",
    "unit": "玉",
    "units_per_case": "",
    "sold_by_piece": "on",
    "unit_price": "１，２００",
    "tax_rate": "8",
    "min_quantity": "1",
    "order_multiple": "1",
    "stock": "",
    "description": "",
    "is_active": "on",
    "visibility": "all",
}


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_product_list_and_search_use_a_fixed_number_of_queries(
    supplier_client: Client, supplier: Organization
) -> None:
    ProductFactory.create_batch(3, supplier=supplier)
    supplier_client.get(reverse("dashboard"))  # the session's own bookkeeping happens once
    few = count_queries(supplier_client, reverse("product-list"))
    few_search = count_queries(supplier_client, reverse("product-list") + "?q=商品")
    ProductFactory.create_batch(60, supplier=supplier)

    assert count_queries(supplier_client, reverse("product-list")) == few
    assert count_queries(supplier_client, reverse("product-list") + "?q=商品") == few_search


def test_search_finds_kana_in_any_form(supplier_client: Client, supplier: Organization) -> None:
    ProductFactory.create(supplier=supplier, product_code="V1", name="キャベツ")
    ProductFactory.create(supplier=supplier, product_code="V2", name="にんじん")

    for query in ("ｷｬﾍﾞﾂ", "きゃべつ", "キャベツ", "ｖ１"):
        page = supplier_client.get(reverse("product-list"), {"q": query}).content.decode()
        assert ">V1</a>" in page
        assert ">V2</a>" not in page


def test_a_product_is_added_with_what_people_type(
    supplier_client: Client, supplier: Organization
) -> None:
    response = supplier_client.post(reverse("product-new"), PRODUCT, follow=True)

    assert response.status_code == 200
    product = Product.objects.get(supplier=supplier)
    assert (product.product_code, product.name, product.unit_price) == (
        "P-1",
        "キャベツ",
        Decimal("1200"),
    )
    assert "キャベツ" in product.search_text


def test_a_bad_jan_keeps_the_input_and_says_why(supplier_client: Client) -> None:
    response = supplier_client.post(
        reverse("product-new"), {**PRODUCT, "jan_code": "4901234567890"}
    )

    page = response.content.decode()
    assert 'id="id_jan_code_error"' in page
    assert 'value="4901234567890"' in page
    assert not Product.objects.exists()


def test_extra_fields_are_validated_by_kind(
    supplier_client: Client, supplier: Organization
) -> None:
    ProductField.objects.create(
        supplier=supplier,
        key="origin",
        label="産地",
        kind="choice",
        choices="国産\n外国産",
        is_required=True,
    )
    ProductField.objects.create(supplier=supplier, key="weight", label="重さ", kind="number")

    response = supplier_client.post(
        reverse("product-new"), {**PRODUCT, "extra_origin": "", "extra_weight": "重い"}
    )
    page = response.content.decode()
    assert 'id="id_extra_origin_error"' in page
    assert 'id="id_extra_weight_error"' in page

    supplier_client.post(
        reverse("product-new"), {**PRODUCT, "extra_origin": "国産", "extra_weight": "１.５"}
    )
    assert Product.objects.get().extra == {"origin": "国産", "weight": "1.5"}


def test_a_viewer_reads_but_cannot_change_products(
    supplier: Organization, supplier_member: Membership
) -> None:
    supplier_member.role = "viewer"
    supplier_member.save()
    viewer = client_for(supplier_member)

    assert viewer.get(reverse("product-list")).status_code == 200
    assert viewer.post(reverse("product-new"), PRODUCT).status_code == 403
    assert not Product.objects.exists()


def test_buyers_cannot_open_supplier_pages(buyer_client: Client) -> None:
    assert buyer_client.get(reverse("product-list")).status_code == 403
    assert buyer_client.get(reverse("customer-list")).status_code == 403


def test_a_customer_price_is_set_by_product_code(
    supplier_client: Client, supplier: Organization
) -> None:
    customer = CustomerFactory.create(supplier=supplier)
    ProductFactory.create(supplier=supplier, product_code="P9", name="だし")
    url = reverse("customer-price-set", args=[customer.pk])

    missing = supplier_client.post(url, {"product_code": "P0", "unit_price": "90"}).content.decode()
    assert 'id="id_product_code_error"' in missing
    response = supplier_client.post(
        url, {"product_code": "ｐ９", "unit_price": "９０"}, follow=True
    )

    assert response.status_code == 200
    assert CustomerPrice.objects.get(customer=customer).unit_price == Decimal("90")


def test_the_product_export_imports_back_unchanged(
    supplier_client: Client, supplier: Organization, tmp_path: object
) -> None:
    from tsunagu.integrations.csv.importing import run_import

    ProductFactory.create(
        supplier=supplier,
        product_code="E1",
        name="髙﨑 だし①",
        unit_price=Decimal("12.5"),
        units_per_case=12,
    )
    body = b"".join(supplier_client.get(reverse("product-export")).streaming_content)  # type: ignore[attr-defined]

    result = run_import("products", supplier, body, actor=None, dry_run=True)

    assert body.decode("utf-8").startswith(
        "\ufeff商品コード,商品名,商品名カナ,JANコード,単位,入数,単価,税率"
    )
    assert (result.created, result.updated, result.errors) == (0, 1, [])


def test_a_photo_is_uploaded_and_served_only_to_the_suppliers_people(
    supplier_client: Client, supplier: Organization, outsider_client: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_cross_tenant import png_bytes

    photo = SimpleUploadedFile("cabbage.png", png_bytes(), content_type="image/png")
    supplier_client.post(reverse("product-new"), {**PRODUCT, "photo": photo})
    product = Product.objects.get()

    served = supplier_client.get(reverse("product-photo", args=[product.pk]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert outsider_client.get(reverse("product-photo", args=[product.pk])).status_code == 404


def test_a_file_that_is_not_an_image_is_refused(supplier_client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("cabbage.png", b"not an image", content_type="image/png")
    response = supplier_client.post(reverse("product-new"), {**PRODUCT, "photo": fake})

    assert 'id="id_photo_error"' in response.content.decode()
    assert not Product.objects.exists()


def test_photos_are_stored_encrypted(supplier_client: Client, supplier: Organization) -> None:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_cross_tenant import png_bytes

    supplier_client.post(
        reverse("product-new"), {**PRODUCT, "photo": SimpleUploadedFile("p.png", png_bytes())}
    )
    product = Product.objects.get()

    stored = (settings.MEDIA_ROOT / str(product.photo.name)).read_bytes()
    assert not stored.startswith(b"\x89PNG")
    assert product.photo.open("rb").read().startswith(b"\x89PNG")


def test_the_stock_field_says_that_orders_take_from_it_when_placed(
    supplier_client: Client,
) -> None:
    # Orders hold their pieces from the moment they are placed: a count of the shelf typed in
    # as it is would count again what placed orders already hold.
    page = supplier_client.get(reverse("product-new")).content.decode()

    assert "注文を受けた時点で、その数がここから引かれます" in page
