from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tsunagu.accounts.models import Organization
from tsunagu.core.filestore import read_decrypted
from tsunagu.customers.models import Customer
from tsunagu.documents import pdf, pdf_engine
from tsunagu.documents.models import Document, DocumentType
from tsunagu.documents.tests.factories import issued, line

pytestmark = pytest.mark.django_db


def _pdf_file(document: Document, tmp_path: Path) -> Path:
    path = tmp_path / f"{document.number}.pdf"
    path.write_bytes(read_decrypted(document.pdf_storage_name))
    return path


def poppler(tool: str, *args: str) -> str:
    """The output of one of poppler-utils' tools (pdftotext, pdffonts, pdfinfo, pdfimages)."""
    executable = shutil.which(tool)
    assert executable, f"{tool} is missing: install poppler-utils"
    return subprocess.run(  # noqa: S603 - our own arguments, no shell
        [executable, *args], check=True, capture_output=True, text=True
    ).stdout


def pdf_text(document: Document, tmp_path: Path, *, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return poppler("pdftotext", "-layout", *pages, str(_pdf_file(document, tmp_path)), "-")


def page_count(document: Document, tmp_path: Path) -> int:
    info = poppler("pdfinfo", str(_pdf_file(document, tmp_path)))
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert match
    return int(match.group(1))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_qualified_invoice_prints_the_six_required_items(
    invoice: Document, tmp_path: Path
) -> None:
    text = pdf_text(invoice, tmp_path)
    flat = squeeze(text)

    assert invoice.is_qualified_invoice
    # 1. issuer and registration number
    assert "テスト食品卸株式会社" in flat
    assert "登録番号T1234567890123" in flat
    # 2. transaction dates
    assert "04/10" in text
    # 3. item descriptions, with the reduced-rate mark and its note
    assert re.search(r"洗剤\s", text)
    assert "米※" in flat
    assert "塩※" in flat
    assert "※は軽減税率(8%)対象" in flat
    # 4. and 5. totals and tax per rate: 10% 1,000 + 100; 8% 888 + 71 (888 × 8% = 71.04)
    assert "税率ごとに区分した合計額" in flat
    assert "10%対象1,000円100円1,100円" in flat
    assert "8%対象（軽減税率）※888円71円959円" in flat
    assert (invoice.amount_10, invoice.tax_10, invoice.amount_8, invoice.tax_8) == (
        Decimal(1000),
        Decimal(100),
        Decimal(888),
        Decimal(71),
    )
    assert "¥2,059" in text
    # 6. recipient
    assert "テスト食堂御中" in flat
    # and the rest of an invoice
    assert "I202604-00001" in text
    assert "2026年4月20日" in text
    assert "三井住友銀行梅田支店普通1234567" in flat
    assert "いつもありがとうございます。" in flat
    assert "1/1" in flat


def test_fonts_are_embedded_and_japanese(invoice: Document, tmp_path: Path) -> None:
    output = poppler("pdffonts", str(_pdf_file(invoice, tmp_path)))
    rows = output.splitlines()[2:]

    assert rows
    for row in rows:
        columns = row.split()
        # name type... encoding emb sub uni object ID: emb is the 5th column from the right.
        assert columns[-5] == "yes", row
        assert columns[-4] == "yes", row  # subset
    assert any("IPAexGothic" in row for row in rows)


def test_a_character_ipaex_lacks_is_printed_with_noto_cjk(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    """𠮷 (U+20BB7, JIS X 0213) is not in IPAex: the fallback font prints it, embedded too."""
    document = issued(supplier, customer, lines=[line(1000, name="𠮷田農園のお米")])
    path = _pdf_file(document, tmp_path)

    assert "𠮷田農園のお米" in pdf_text(document, tmp_path)
    fonts = poppler("pdffonts", str(path)).splitlines()[2:]
    assert any("Noto-Sans-CJK" in row for row in fonts), fonts
    assert all(row.split()[-5] == "yes" for row in fonts)


def test_long_documents_number_their_pages_and_repeat_the_table_header(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    document = issued(
        supplier,
        customer,
        lines=[line(100 + n, rate=8 if n % 2 else 10, name=f"品目{n:03d}") for n in range(90)],
    )
    pages = page_count(document, tmp_path)

    assert pages >= 3
    for page in range(1, pages + 1):
        text = pdf_text(document, tmp_path, page=page)
        assert f"{page}/{pages}" in squeeze(text)
        assert "取引日受注番号商品コード品名" in squeeze(text), page
    everything = pdf_text(document, tmp_path)
    assert all(f"品目{n:03d}" in everything for n in range(90))


def test_a_periodic_invoice_has_a_summary_page_then_details_by_date(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    supplier.qualified_invoice_document = DocumentType.PERIODIC_INVOICE
    supplier.save()
    document = issued(
        supplier,
        customer,
        doc_type=DocumentType.PERIODIC_INVOICE,
        lines=[
            line(2000, name="後の納品", on=date(2026, 4, 15)),
            line(1250, rate=8, name="先の納品", on=date(2026, 3, 25)),
        ],
        period=(date(2026, 3, 21), date(2026, 4, 20)),
        due_date=date(2026, 5, 29),
        previous_balance=Decimal(50000),
        payments=Decimal(30000),
    )
    summary = pdf_text(document, tmp_path, page=1)
    details = pdf_text(document, tmp_path, page=2)

    assert "合計請求書" in squeeze(summary)
    flat = squeeze(summary)
    for label in (
        "前回御請求額",
        "御入金額",
        "繰越金額",
        "今回お買上額",
        "消費税額",
        "今回御請求額",
    ):
        assert label in flat
    # 50,000 − 30,000 = 20,000 carried over; 3,250 sales + 300 tax; 23,550 due
    assert "50,00030,00020,0003,25030023,550" in flat
    assert "お支払期限2026年5月29日" in flat
    assert "2026年3月21日〜2026年4月20日" in flat
    assert "先の納品" not in summary
    assert details.index("先の納品") < details.index("後の納品")
    assert "ご請求明細" in details
    assert document.amount_due == Decimal(23550)


def test_a_credit_note_prints_negative_amounts_and_its_original(
    invoice: Document, supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    from tsunagu.documents.issuing import issue

    note = issue(
        actor=None,
        supplier=supplier,
        customer=customer,
        doc_type=DocumentType.CREDIT_NOTE,
        lines=[line(-333, rate=8, name="塩")],
        issued_on=date(2026, 4, 22),
        original=invoice,
        reason="破損のため返品",
    )
    text = pdf_text(note, tmp_path)

    flat = squeeze(text)
    assert "赤伝" in flat
    assert f"元伝票：請求書{invoice.number}" in flat
    assert "訂正理由：破損のため返品" in flat
    assert "-333" in flat
    assert "-¥360" in flat  # −333 − 27: tax of (888 − 333) = 44 against 71 charged
    assert note.tax_8 == Decimal(-27)
    assert "登録番号T1234567890123" in flat


def test_delivery_note_and_shipping_slip(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    note = issued(supplier, customer, doc_type=DocumentType.DELIVERY_NOTE)
    slip = issued(supplier, customer, doc_type=DocumentType.SHIPPING_SLIP)
    note_text = pdf_text(note, tmp_path)
    slip_text = pdf_text(slip, tmp_path)

    assert "納品書" in squeeze(note_text)
    assert "下記のとおり納品いたしました。" in note_text
    assert "米※" in squeeze(note_text)
    assert "出荷伝票" in squeeze(slip_text)
    assert "受領印" in slip_text
    assert "1,000" not in slip_text  # the slip shows quantities, not prices


def _png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 60), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_logo_and_the_seal_are_printed_when_present(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    plain = issued(supplier, customer)
    supplier.logo = SimpleUploadedFile("logo.png", _png("navy"), content_type="image/png")
    supplier.seal = SimpleUploadedFile("seal.png", _png("red"), content_type="image/png")
    supplier.save()
    stamped = issued(supplier, customer)

    def images(document: Document) -> int:
        listing = poppler("pdfimages", "-list", str(_pdf_file(document, tmp_path)))
        return len(listing.splitlines()[2:])

    assert images(plain) == 0
    assert images(stamped) == 2


def test_the_html_has_no_script_and_no_external_url(invoice: Document) -> None:
    html = pdf.render_html(invoice, logo=_png("navy"))

    assert "<script" not in html.lower()
    assert "http://" not in html
    assert "https://" not in html
    assert 'src="data:image/png;base64,' in html


def test_the_fetcher_refuses_anything_but_local_files() -> None:
    fetcher = pdf_engine.LocalOnlyFetcher()

    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch("https://example.com/logo.png")
    with pytest.raises(ValueError, match="outside"):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.fetch(pdf_engine.STYLESHEET.as_uri()) is not None


@pytest.mark.parametrize(
    "escape",
    [
        "/..%2F..%2Fpdf_engine.py",
        "/%2e%2e/%2e%2e/pdf_engine.py",
        "/..%2f..%2f..%2fpdf.py",
        "/%2E%2E%2F%2E%2E%2Fmodels.py",
        "/..%5C..%5Cpdf_engine.py",
        "/..%00/print.css",
    ],
)
def test_the_fetcher_refuses_an_encoded_way_out_of_its_folder(escape: str) -> None:
    """The path is decoded before it is checked, as urllib decodes it before opening it."""
    fetcher = pdf_engine.LocalOnlyFetcher()

    with pytest.raises(ValueError, match="outside"):
        fetcher.fetch(pdf_engine.STATIC_DIR.as_uri() + escape)


def test_the_fetcher_refuses_another_host_and_accepts_an_encoded_name_inside() -> None:
    fetcher = pdf_engine.LocalOnlyFetcher()

    with pytest.raises(ValueError, match="outside"):
        fetcher.fetch("file://attacker.example" + str(pdf_engine.STYLESHEET))
    inside = pdf_engine.STATIC_DIR.as_uri() + "/%70rint.css"  # %70 = p
    response = fetcher.fetch(inside)
    assert b"@page" in response.read()
    response.close()


def test_a_document_renders_the_same_figures_again_from_its_content(invoice: Document) -> None:
    again = pdf.render_html(invoice)

    assert "I202604-00001" in again
    assert "2,059" in again
