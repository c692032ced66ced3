"""The picking list as a PDF: made on demand for a date and route, read back with poppler."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.documents.models import Document
from tsunagu.documents.tests.test_pdf import poppler, squeeze
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.shipping import assign_shipping
from tsunagu.ordering.tests import test_shipping
from tsunagu.ordering.tests.test_shipping import Shop, english, place

pytestmark = pytest.mark.django_db

# The shipping tests' shop (a customer on 北ルート, cabbage by the case, chopsticks, two shipping
# people) and a second customer on 南ルート, orders delivered on Friday 2026-11-27.
shop = test_shipping.shop
south = test_shipping.south

URL = reverse("picking-list-pdf")


def pdf(client: Client, tmp_path: Path, **query: str) -> Path:
    response = client.get(URL, query)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "picking.pdf"
    path.write_bytes(response.content)
    return path


def text(path: Path, *, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return poppler("pdftotext", "-layout", *pages, str(path), "-")


def pages(path: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(path)), re.MULTILINE)
    assert match
    return int(match.group(1))


def test_the_pdf_has_the_date_every_product_with_its_quantity_and_embedded_fonts(
    shop: Shop, south: tuple[Membership, Customer, Location], tmp_path: Path
) -> None:
    member, customer, location = south
    order = place(shop, "north")  # 2 cases of cabbage (20 玉) and 3 chopsticks
    place(
        shop,
        "south",
        member=member,
        customer=customer,
        location=location,
        lines=[LineRequest(shop.cabbage, 7)],
    )
    client = client_for(shop.admin)

    response = client.get(URL, {"day": "2026-11-27"})
    path = pdf(client, tmp_path, day="2026-11-27")

    assert response["Content-Disposition"] == 'inline; filename="picking-list-2026-11-27.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    flat = squeeze(text(path))
    assert "ピッキングリスト" in flat
    assert "2026/11/27" in flat
    # Totals: cabbage 27 玉 = 2 cases + 7, chopsticks 3 袋; then by customer and order.
    assert "V1キャベツ27玉" in flat
    assert "H1割り箸3袋" in flat
    assert "テスト食堂" in flat
    assert "南の食堂" in flat
    assert order.number in flat
    assert "裏口から納品してください" in flat
    assert "1/1" in flat
    assert not Document.objects.exists()  # nothing numbered or stored
    fonts = poppler("pdffonts", str(path)).splitlines()[2:]
    assert fonts
    for row in fonts:
        assert row.split()[-5] == "yes", row  # embedded
    assert any("IPAex" in row for row in fonts)


def test_the_route_narrows_the_pdf_like_the_page(
    shop: Shop, south: tuple[Membership, Customer, Location], tmp_path: Path
) -> None:
    member, customer, location = south
    place(shop, "north")
    place(shop, "south", member=member, customer=customer, location=location)

    flat = squeeze(text(pdf(client_for(shop.admin), tmp_path, day="2026-11-27", route="北ルート")))

    assert "北ルート" in flat
    assert "テスト食堂" in flat
    assert "南の食堂" not in flat


def test_a_long_list_numbers_its_pages_and_repeats_the_table_header(
    shop: Shop, supplier: Organization, tmp_path: Path
) -> None:
    products = [
        ProductFactory.create(
            supplier=supplier, product_code=f"P{n:03d}", name=f"品目{n:03d}", unit="個"
        )
        for n in range(70)
    ]
    place(shop, "long", lines=[LineRequest(product, 2) for product in products])

    path = pdf(client_for(shop.admin), tmp_path, day="2026-11-27")

    count = pages(path)
    assert count >= 3
    for page in range(1, count + 1):
        flat = squeeze(text(path, page=page))
        assert f"{page}/{count}" in flat
        # A table broken across pages starts each page with its header again, under the
        # running head (title and day) of the later pages.
        lines = [line for line in text(path, page=page).splitlines() if line.strip()]
        if page > 1:
            assert "ピッキングリスト" in lines[0], lines[0]
            assert "商品コード" in lines[1], lines[1]
        assert "商品コード商品" in flat, page
        assert "2026/11/27" in flat  # the date is in every page's footer
    everything = text(path)
    assert all(f"品目{n:03d}" in everything for n in range(70))


def test_a_shipping_persons_pdf_holds_only_their_open_work(shop: Shop, tmp_path: Path) -> None:
    mine = place(shop, "mine")
    other = place(shop, "other")
    assign_shipping(mine, actor=shop.admin, assignee=shop.picker.user, warehouse="")

    flat = squeeze(text(pdf(client_for(shop.picker), tmp_path, day="2026-11-27")))

    assert mine.number in flat
    assert other.number not in flat


def test_another_suppliers_admin_gets_only_their_own_empty_list(
    shop: Shop, outsider: Membership, tmp_path: Path
) -> None:
    place(shop, "north")

    flat = squeeze(text(pdf(client_for(outsider), tmp_path, day="2026-11-27")))

    assert "テスト食堂" not in flat
    assert "キャベツ" not in flat


def test_a_bad_or_missing_date_is_pointed_out_on_the_picking_page(shop: Shop) -> None:
    client = english(shop.admin)

    bad = client.get(URL, {"day": "2026-13-45"})
    missing = client.get(URL)

    assert bad.status_code == missing.status_code == 400
    assert "Enter a valid date." in bad.content.decode()
    assert "Choose the delivery date." in missing.content.decode()


def test_the_picking_page_links_to_the_pdf_of_what_it_shows(shop: Shop) -> None:
    place(shop, "north")
    client = english(shop.admin)

    page = client.get(
        reverse("picking-list"), {"day": "2026-11-27", "route": "北ルート"}
    ).content.decode()
    empty = client.get(reverse("picking-list"), {"day": "2026-11-28"}).content.decode()

    assert 'id="picking-pdf"' in page
    assert "Open as PDF" in page
    assert f"{URL}?day=2026-11-27&amp;route=%E5%8C%97%E3%83%AB%E3%83%BC%E3%83%88" in page
    assert 'id="picking-pdf"' not in empty
