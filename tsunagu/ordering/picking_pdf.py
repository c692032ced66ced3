"""The picking list as a PDF to print (A4, IPAex, page numbers), with the documents' WeasyPrint
machinery. An internal working paper: made on demand from the picking list, in the reader's
language, never numbered, stored or frozen (unlike the documents of tsunagu.documents)."""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string

from tsunagu.documents.pdf_engine import html_to_pdf
from tsunagu.ordering.shipping import PickingList


def render_picking_list(picking: PickingList, *, printed_at: datetime, own_only: bool) -> bytes:
    html = render_to_string(
        "ordering/pdf/picking_list.html",
        {"picking": picking, "printed_at": printed_at, "own_only": own_only},
    )
    return html_to_pdf(html)


def filename(picking: PickingList) -> str:
    """An ASCII name every browser keeps: picking-list-2026-11-27.pdf (the route, often in
    Japanese, is printed in the file instead)."""
    return f"picking-list-{picking.day.isoformat()}.pdf"
