"""Rendering a document's frozen content to PDF with WeasyPrint.

The templates print Japanese fixed text (納品書, 請求書, 登録番号 …): these are Japanese business
and tax forms, so their wording does not follow the reader's language. Everything printed comes
from the document's frozen `content`, so a PDF rendered again from it is the same document.

The HTML has no JavaScript and no external URL: logo and seal are embedded as data URIs, and
pdf_engine.py (WeasyPrint, the stylesheet, a fetcher of local files only) turns it into a PDF.
"""

from __future__ import annotations

import base64
import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from tsunagu.documents.models import Document, DocumentType
from tsunagu.documents.pdf_engine import html_to_pdf

logger = logging.getLogger(__name__)

TEMPLATES: dict[str, str] = {
    DocumentType.DELIVERY_NOTE: "documents/pdf/delivery_note.html",
    DocumentType.SHIPPING_SLIP: "documents/pdf/shipping_slip.html",
    DocumentType.INVOICE: "documents/pdf/invoice.html",
    DocumentType.PERIODIC_INVOICE: "documents/pdf/periodic_invoice.html",
    DocumentType.CREDIT_NOTE: "documents/pdf/credit_note.html",
}

REDUCED_RATE_NOTE = "※は軽減税率(8%)対象"


def render_document(
    document: Document, *, logo: bytes | None = None, seal: bytes | None = None
) -> bytes:
    """The PDF of a document, from its frozen content (plus the logo and seal at issue time)."""
    return html_to_pdf(render_html(document, logo=logo, seal=seal), pdf_identifier(document))


def pdf_identifier(document: Document) -> bytes:
    return str(document.pk).replace("-", "").encode()


def render_html(document: Document, *, logo: bytes | None = None, seal: bytes | None = None) -> str:
    content = document.content
    lines = [_line(row) for row in content.get("lines", [])]
    groups: list[dict[str, Any]] = []
    if document.doc_type == DocumentType.PERIODIC_INVOICE:
        lines.sort(key=lambda row: (row["delivered_on"] or date.min, row["order_number"]))
        groups = _slips(lines)
    context = {
        "groups": groups,
        "c": content,
        "title": content["title"],
        "doc_type": document.doc_type,
        "lines": lines,
        "has_reduced_rate": any(row["is_reduced_rate"] for row in lines),
        "rates": [
            {
                "rate": rate,
                "label": f"{rate}%対象" if rate == 10 else "8%対象（軽減税率）※",
                "amount": Decimal(content["amount_by_rate"][str(rate)]),
                "tax": Decimal(content["tax_by_rate"][str(rate)]),
                "total": Decimal(content["total_by_rate"][str(rate)]),
            }
            for rate in (10, 8)
        ],
        "issued_on": _date(content["issued_on"]),
        "due_date": _date(content.get("due_date")),
        "period_start": _date((content.get("period") or {}).get("start")),
        "period_end": _date((content.get("period") or {}).get("end")),
        "original_issued_on": _date((content.get("original") or {}).get("issued_on")),
        "subtotal": Decimal(content["subtotal"]),
        "tax_total": Decimal(content["tax_total"]),
        "total": Decimal(content["total"]),
        "previous_balance": Decimal(content["previous_balance"]),
        "payments": Decimal(content["payments"]),
        "carry_over": Decimal(content["carry_over"]),
        "amount_due": Decimal(content["amount_due"]),
        "reduced_rate_note": REDUCED_RATE_NOTE,
        "late_orders": [
            {"number": row["number"], "delivered_on": _date(row["delivered_on"])}
            for row in content.get("late_orders", [])
        ],
        "late_numbers": {row["number"] for row in content.get("late_orders", [])},
        "credit_notes": [
            {
                "number": note["number"],
                "issued_on": _date(note["issued_on"]),
                "original": note["original"],
                "amount_10": Decimal(note["amount_by_rate"]["10"]),
                "amount_8": Decimal(note["amount_by_rate"]["8"]),
                "tax_10": Decimal(note["tax_by_rate"]["10"]),
                "tax_8": Decimal(note["tax_by_rate"]["8"]),
                "total": Decimal(note["total"]),
            }
            for note in content.get("credit_notes", [])
        ],
        "sales": {
            str(rate): {
                "amount": Decimal(content["sales_by_rate"][str(rate)]),
                "tax": Decimal(content["sales_tax_by_rate"][str(rate)]),
            }
            for rate in (10, 8)
        }
        if "sales_by_rate" in content
        else {},
        "logo": _data_uri(logo),
        "seal": _data_uri(seal),
    }
    return render_to_string(TEMPLATES[document.doc_type], context)


def _slips(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines of each delivery slip (受注番号, or a credit note's number) with its subtotal
    (伝票計), in the order printed. Lines are sorted by date and number already."""
    groups: list[dict[str, Any]] = []
    for line in lines:
        if not groups or groups[-1]["order_number"] != line["order_number"]:
            groups.append({"order_number": line["order_number"], "lines": [], "subtotal": 0})
        groups[-1]["lines"].append(line)
        groups[-1]["subtotal"] += line["amount"]
    return groups


def _line(row: dict[str, Any]) -> dict[str, Any]:
    is_case = row.get("order_unit") == "case"
    return {
        **row,
        "delivered_on": date.fromisoformat(row["delivered_on"]) if row["delivered_on"] else None,
        "unit_price": Decimal(row["unit_price"]),
        # A case line is priced per case (入数 × the piece price), so that 数量 × 単価 = 金額
        # can be checked on paper; the piece price is printed beside it.
        "price_per_unit": Decimal(row.get("price_per_unit", row["unit_price"])),
        "amount": Decimal(row["amount"]),
        "is_case": is_case,
        "units_per_case": row.get("units_per_case"),
        "pieces": row.get("pieces", row["quantity"]),
    }


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
)


def _data_uri(data: bytes | None) -> str:
    """A data URI for a PNG, JPEG or GIF image; "" for anything else (it is left out)."""
    if not data:
        return ""
    for magic, kind in _IMAGE_TYPES:
        if data.startswith(magic):
            return f"data:{kind};base64,{base64.b64encode(data).decode()}"
    logger.warning("documents.pdf_image_skipped reason=unknown_type size=%s", len(data))
    return ""
