"""What a person reads on the paper: the FAX number with its label, the recipient on every page
of the 明細, a subtotal per delivery slip (伝票計), a 受領印 box on the 納品書."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tsunagu.accounts.models import Organization
from tsunagu.customers.models import Customer
from tsunagu.documents.issuing import DocLine
from tsunagu.documents.models import DocumentType
from tsunagu.documents.tests.factories import issued, line
from tsunagu.documents.tests.test_pdf import page_count, pdf_text, squeeze

pytestmark = pytest.mark.django_db


def _slip_line(order_number: str, amount: int, on: date, name: str) -> DocLine:
    base = line(amount, name=name, on=on)
    return DocLine(**{**base.__dict__, "order_number": order_number})


def test_the_fax_number_stays_with_its_label(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    document = issued(supplier, customer, doc_type=DocumentType.DELIVERY_NOTE)

    text = pdf_text(document, tmp_path)

    assert re.search(r"FAX 06-1234-5679", text)
    assert not re.search(r"^\s*06-1234-5679\s*$", text, re.MULTILINE)
    assert re.search(r"TEL 06-1234-5678", text)


def test_the_delivery_note_has_a_receipt_box(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    document = issued(supplier, customer, doc_type=DocumentType.DELIVERY_NOTE)

    flat = squeeze(pdf_text(document, tmp_path))

    assert "受領日年月日" in flat
    assert "受領印" in flat


def test_every_page_of_the_details_names_the_recipient_and_each_slip_has_its_subtotal(
    supplier: Organization, customer: Customer, tmp_path: Path
) -> None:
    lines = [
        _slip_line(f"S-{n // 3 + 1:06d}", 100 * (n % 3 + 1), date(2026, 4, 1 + n // 12), f"品{n}")
        for n in range(90)
    ]
    document = issued(
        supplier,
        customer,
        doc_type=DocumentType.PERIODIC_INVOICE,
        lines=lines,
        period=(date(2026, 3, 21), date(2026, 4, 20)),
    )

    pages = page_count(document, tmp_path)
    assert pages >= 3
    details = pdf_text(document, tmp_path, page=2)
    assert "テスト食堂 御中" in details
    assert squeeze(f"得意先コード C001 合計請求書 {document.number}") in squeeze(details)
    for page in range(2, pages + 1):
        text = pdf_text(document, tmp_path, page=page)
        first_line = squeeze(text.lstrip().split("\n")[0])
        assert first_line == f"テスト食堂御中合計請求書{document.number}", page
    first_page_top = squeeze(pdf_text(document, tmp_path, page=1).lstrip().split("\n")[0])
    assert not first_page_top.startswith("テスト食堂御中合計請求書")
    # 30 slips of 100 + 200 + 300, each with its 伝票計.
    everything = "".join(pdf_text(document, tmp_path, page=p) for p in range(2, pages + 1))
    totals = re.findall(r"(S-\d{6}) 伝票計\s+([\d,]+)", everything)
    assert [number for number, _ in totals] == [f"S-{n:06d}" for n in range(1, 31)]
    assert {amount for _, amount in totals} == {"600"}


@pytest.mark.parametrize("slip_size", [2, 4, 7])
def test_a_page_of_the_details_never_begins_with_a_slip_subtotal(
    supplier: Organization, customer: Customer, tmp_path: Path, slip_size: int
) -> None:
    """70 lines in slips of 2, 4 or 7: without care, one page of each begins with a 伝票計
    cut off from the lines it adds up."""
    lines = [
        _slip_line(f"S-{n // slip_size + 1:06d}", 100, date(2026, 4, 1 + n // 40), f"品{n}")
        for n in range(70)
    ]
    document = issued(
        supplier,
        customer,
        doc_type=DocumentType.PERIODIC_INVOICE,
        lines=lines,
        period=(date(2026, 3, 21), date(2026, 4, 20)),
    )

    pages = page_count(document, tmp_path)
    assert pages >= 3
    subtotals = 0
    for page in range(2, pages + 1):
        rows = [row for row in pdf_text(document, tmp_path, page=page).split("\n") if row.strip()]
        header = next(n for n, row in enumerate(rows) if "取引日" in row)
        assert re.match(r"\s*04/0\d\s+S-\d{6}\s+P1\s+品\d+", rows[header + 1]), (
            page,
            rows[header + 1],
        )
        subtotals += sum("伝票計" in row for row in rows)
    assert subtotals == -(-70 // slip_size)
