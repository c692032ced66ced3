"""A logo or seal is refused when its dimensions are out of bounds, whatever its file size (a
decompression bomb), and scaled down to what the documents print; a bomb stored before the
check is left out of the PDF instead of slowing every document down."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tsunagu.accounts.models import Organization
from tsunagu.core import images
from tsunagu.customers.models import Customer
from tsunagu.documents.tests.factories import issued
from tsunagu.documents.tests.test_document_settings import URL, _form
from tsunagu.documents.tests.test_pdf import _pdf_file, poppler

pytestmark = pytest.mark.django_db


def bomb_png(width: int = 12000, height: int = 12000) -> bytes:
    """A PNG of width × height white pixels (grey, 1 bit): a few dozen KB on disk."""
    buffer = io.BytesIO()
    Image.new("1", (width, height), 1).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 128, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


# Pillow only warns below 179 million pixels, and so Django's image field lets it through (the
# test settings turn RuntimeWarnings into errors: here it is as in production).
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_small_file_holding_a_huge_image_is_refused_as_a_logo(
    supplier_client: Client, supplier: Organization
) -> None:
    data = bomb_png()
    assert len(data) < 100 * 1024

    started = time.perf_counter()
    response = supplier_client.post(
        URL, _form(logo=SimpleUploadedFile("logo.png", data, content_type="image/png"))
    )
    elapsed = time.perf_counter() - started

    page = response.content.decode()
    assert "12,000 × 12,000" in page
    assert "8,000" in page
    supplier.refresh_from_db()
    assert not supplier.logo
    assert elapsed < 5


@pytest.mark.parametrize(("field", "side"), [("logo", 1200), ("seal", 600)])
def test_a_big_logo_or_seal_is_scaled_down_to_what_the_documents_print(
    supplier_client: Client, supplier: Organization, field: str, side: int
) -> None:
    upload = SimpleUploadedFile(f"{field}.png", png(3000, 1500), content_type="image/png")

    supplier_client.post(URL, _form(**{field: upload}))

    supplier.refresh_from_db()
    stored = getattr(supplier, field)
    with stored.open("rb") as handle, Image.open(handle) as image:
        assert (image.width, image.height, image.format) == (side, side // 2, "PNG")
        assert image.mode == "RGBA"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_bomb_stored_before_the_check_is_left_out_of_the_pdf(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    supplier.logo.save("logo.png", ContentFile(bomb_png()), save=True)

    started = time.perf_counter()
    document = issued(supplier, customer)
    elapsed = time.perf_counter() - started

    listing = poppler("pdfimages", "-list", str(_pdf_file(document, tmp_path)))
    assert len(listing.splitlines()[2:]) == 0
    assert elapsed < 5


def test_the_bounds_are_read_from_the_header_only() -> None:
    with pytest.raises(images.ImageRefusedError, match="20,000 × 10"):
        images.image_size(bomb_png(20000, 10))
    size = images.image_size(png(800, 600))
    assert (size.width, size.height, size.format) == (800, 600, "PNG")
    assert images.shrink(png(800, 600), longest_side=1200) == png(800, 600)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_product_photos_use_the_same_bounds_and_are_scaled_down(
    supplier_client: Client, supplier: Organization
) -> None:
    from django.urls import reverse

    from tsunagu.catalog.models import Product
    from tsunagu.catalog.tests.test_pages import PRODUCT

    bomb = SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")
    refused = supplier_client.post(reverse("product-new"), {**PRODUCT, "photo": bomb})
    assert 'id="id_photo_error"' in refused.content.decode()
    assert "12,000 × 12,000" in refused.content.decode()
    assert not Product.objects.exists()

    big = SimpleUploadedFile("big.png", png(4000, 2000), content_type="image/png")
    supplier_client.post(reverse("product-new"), {**PRODUCT, "photo": big})
    product = Product.objects.get()
    with product.photo.open("rb") as handle, Image.open(handle) as image:
        assert (image.width, image.height) == (1600, 800)
