"""A credit note and the periodic invoice that counts it agree to the yen (decision
0048-credit-note-rounding): the invoice adds the note's tax as the note printed it and rounds
only its own sales' tax, once per rate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tsunagu.accounts.models import Membership, Organization
from tsunagu.core.money import Rounding
from tsunagu.customers.models import Customer
from tsunagu.documents.billing import run_billing
from tsunagu.documents.issuing import issue
from tsunagu.documents.models import Document, DocumentType
from tsunagu.documents.tests.factories import line
from tsunagu.documents.tests.test_billing_credit_notes import take_back
from tsunagu.documents.tests.test_billing_run import NOV_20, order_for, product
from tsunagu.documents.tests.test_pdf import pdf_text, squeeze

pytestmark = pytest.mark.django_db


def test_the_invoice_counts_the_credit_notes_tax_as_the_note_printed_it(
    supplier: Organization, supplier_admin: Membership, sakura: Customer, tmp_path: Path
) -> None:
    supplier.rounding = Rounding.DOWN
    supplier.save(update_fields=["rounding"])
    # A delivery note of 4,005 at 10% (tax 400.5 → 400), taken back whole: the note is
    # -4,005 with tax -400, -4,405 in all.
    note = issue(
        actor=None,
        supplier=supplier,
        customer=sakura,
        doc_type=DocumentType.DELIVERY_NOTE,
        lines=[line(4005, name="業務用油", on=date(2026, 10, 30))],
        issued_on=date(2026, 10, 30),
    )
    credit = take_back(note, supplier_admin, on=date(2026, 11, 10), index=0, quantity=1)
    assert (credit.amount_10, credit.tax_10, credit.total) == (-4005, -400, -4405)
    # This period's sales: 10,000 at 10% (tax 1,000).
    oil = product(supplier, "O1", "1000", 10, "缶")
    order_for(supplier_admin, sakura, [(oil, 10)], on=date(2026, 11, 5))

    ((invoice, _created),) = run_billing(supplier, closing_date=NOV_20)

    # Rounding the net 5,995 again would give 599 and count the note at -401: one yen off.
    assert (invoice.amount_10, invoice.tax_10) == (10000 - 4005, 1000 - 400)
    assert invoice.total == 11000 + credit.total
    assert invoice.content["sales_by_rate"] == {"10": "10000", "8": "0"}
    assert invoice.content["sales_tax_by_rate"] == {"10": "1000", "8": "0"}
    assert invoice.content["credit_notes"] == [
        {
            "number": credit.number,
            "issued_on": "2026-11-10",
            "original": note.number,
            "amount_by_rate": {"10": "-4005", "8": "0"},
            "tax_by_rate": {"10": "-400", "8": "0"},
            "total": "-4405",
        }
    ]
    flat = squeeze(pdf_text(invoice, tmp_path, page=1))
    assert "今回計上した返品・値引（赤伝）" in flat
    assert f"{credit.number}11/10{note.number}-4,005円-400円0円0円-4,405円" in flat
    assert "10%対象5,995円600円6,595円" in flat
    # The customer's account: the balance carried to the next invoice is the sum of both.
    assert invoice.amount_due == 11000 - 4405

    # A note against this invoice corrects its own sales (10,000, tax 1,000): taking back
    # 1,000 leaves 9,000 with tax 900, so the note's tax is -100. Rounding the invoice's net
    # 5,995 less 1,000 again (4,995 → 499, against the 600 charged) would make it -101.
    oil_line = next(
        i for i, row in enumerate(invoice.content["lines"]) if row["product_name"] == oil.name
    )
    later = take_back(invoice, supplier_admin, on=date(2026, 11, 25), index=oil_line, quantity=1)
    assert (later.amount_10, later.tax_10, later.total) == (-1000, -100, -1100)


def test_a_document_without_credit_notes_rounds_as_before(
    supplier: Organization, sakura: Customer
) -> None:
    document: Document = issue(
        actor=None,
        supplier=supplier,
        customer=sakura,
        doc_type=DocumentType.INVOICE,
        lines=[line(1005), line(333, rate=8)],
        issued_on=date(2026, 11, 1),
    )

    assert (document.tax_10, document.tax_8) == (100, 26)
    assert document.content["credit_notes"] == []
