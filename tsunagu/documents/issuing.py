"""Issuing a document: number it, freeze its content, render and store its PDF.

The interface other modules use:

    issue(
        *,
        actor: Membership | None,          # None for commands and background runs
        supplier: Organization,
        customer: Customer,
        doc_type: DocumentType,
        lines: list[DocLine],
        issued_on: date,
        orders: list[Order] = (),
        period: tuple[date, date] | None = None,   # (start exclusive-previous-closing+1, end)
        due_date: date | None = None,
        previous_balance: Decimal = 0, payments: Decimal = 0,
        original: Document | None = None,          # for credit notes
        reason: str = "",                          # for credit notes: printed and frozen
    ) -> Document

It computes amounts per rate and tax once per rate (tsunagu.core.tax), total = Σ amounts + Σ tax,
amount_due = previous_balance - payments + total, takes the next number under the sequence's row
lock, stores the frozen content, renders the PDF, encrypts it, records its SHA-256 and an audit
entry, all in the caller's transaction.

issue() is draft() + render + commit() with the sequence locked first. A caller that issues many
documents (a billing run) may draft and render ahead, outside any transaction, for the sequence
value it expects, then commit() each in a short transaction: commit() takes the number only if
it is still the next one (and the format still gives the drafted number), else returns None and
the caller drafts again. Numbers stay gap-free and in order either way.

The returned document carries `warnings` (a list of codes, also frozen in content["warnings"]):
"missing_registration_number" when a qualified invoice is issued by a supplier without a
registration number. The document is issued anyway; the page shows the warning.

A credit note's tax per rate is the difference between one rounding of the corrected sum (the
original plus every credit note, this one included) and the tax already charged, so that the
original and its credit notes always net to the tax of the corrected amounts.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit import services as audit
from tsunagu.core import images
from tsunagu.core.filestore import save_encrypted
from tsunagu.core.tax import RATES, amounts_by_rate, tax_by_rate
from tsunagu.customers.models import Customer
from tsunagu.documents import integrity, numbering
from tsunagu.documents.models import Document, DocumentStatus, DocumentType
from tsunagu.ordering.models import Order, OrderLine, OrderUnit

logger = logging.getLogger(__name__)

MISSING_REGISTRATION_NUMBER = "missing_registration_number"

# Pixels kept of the longest side of an uploaded logo or seal: the logo prints at most
# 45 × 16 mm, the seal 18 × 18 mm; these give more than 600 dpi.
PRINTED_SIDE = {"logo": 1200, "seal": 600}

# The Japanese titles printed on each kind of document (a legal form in Japan: see pdf.py).
TITLES: dict[str, str] = {
    DocumentType.DELIVERY_NOTE: "納品書",
    DocumentType.SHIPPING_SLIP: "出荷伝票",
    DocumentType.INVOICE: "請求書",
    DocumentType.PERIODIC_INVOICE: "合計請求書",
    DocumentType.CREDIT_NOTE: "赤伝（訂正伝票）",
}


# The supplier's setting → the documents issued as qualified invoices. "invoice" (the default)
# covers both kinds of invoice: a customer billed per delivery gets per-order invoices, one billed
# by closing day gets periodic ones, and each must be able to deduct its input tax.
QUALIFIED_TYPES: dict[str, tuple[str, ...]] = {
    DocumentType.INVOICE: (DocumentType.INVOICE, DocumentType.PERIODIC_INVOICE),
    DocumentType.PERIODIC_INVOICE: (DocumentType.PERIODIC_INVOICE,),
    DocumentType.DELIVERY_NOTE: (DocumentType.DELIVERY_NOTE,),
}


class IssueError(Exception):
    """The document cannot be issued as asked; the message says why."""


@dataclass(frozen=True)
class DocLine:
    """One line as it will be printed and frozen."""

    delivered_on: date | None
    order_number: str
    product_code: str
    product_name: str
    quantity: int
    unit_label: str
    unit_price: Decimal
    amount: Decimal  # whole yen, already rounded by the supplier's rule
    tax_rate: int  # 10 or 8
    # On a credit note: the index of the original's line it takes back (so later notes know
    # what is left of that line). None everywhere else.
    source_index: int | None = None
    # What the quantity counts: pieces (`unit_label`, e.g. 本) or cases of `units_per_case`
    # pieces. `unit_price` is always the price of one piece, as on the order line.
    order_unit: str = OrderUnit.PIECE
    units_per_case: int | None = None

    @property
    def is_case(self) -> bool:
        return self.order_unit == OrderUnit.CASE

    @property
    def pieces_per_unit(self) -> int:
        """Pieces in one unit of `quantity`: the case's 入数 for a case line, else 1."""
        return self.units_per_case if self.is_case and self.units_per_case else 1

    @property
    def pieces(self) -> int:
        """The quantity in pieces: what the warehouse ships (1 ケース of 6 本 → 6)."""
        return self.quantity * self.pieces_per_unit

    @property
    def price_per_unit(self) -> Decimal:
        """The price of one unit of `quantity` (a case: 入数 × the piece price), so that
        quantity × price_per_unit is the amount before rounding."""
        return self.unit_price * self.pieces_per_unit

    def as_content(self) -> dict[str, Any]:
        extra = {} if self.source_index is None else {"source_index": self.source_index}
        return {
            "delivered_on": self.delivered_on.isoformat() if self.delivered_on else None,
            "order_number": self.order_number,
            "product_code": self.product_code,
            "product_name": self.product_name,
            "quantity": self.quantity,
            "unit_label": self.unit_label,
            "unit_price": _decimal_text(self.unit_price),
            "order_unit": self.order_unit,
            "units_per_case": self.units_per_case,
            "pieces": self.pieces,
            "price_per_unit": _decimal_text(self.price_per_unit),
            "amount": str(self.amount),
            "tax_rate": self.tax_rate,
            "is_reduced_rate": self.tax_rate == 8,
            **extra,
        }

    @classmethod
    def from_content(cls, data: dict[str, Any]) -> DocLine:
        return cls(
            delivered_on=date.fromisoformat(data["delivered_on"]) if data["delivered_on"] else None,
            order_number=data["order_number"],
            product_code=data["product_code"],
            product_name=data["product_name"],
            quantity=int(data["quantity"]),
            unit_label=data["unit_label"],
            unit_price=Decimal(data["unit_price"]),
            amount=Decimal(data["amount"]),
            tax_rate=int(data["tax_rate"]),
            source_index=data.get("source_index"),
            # Content of version 1 has no unit: its quantity was printed as pieces.
            order_unit=data.get("order_unit", OrderUnit.PIECE),
            units_per_case=data.get("units_per_case"),
        )


SHIPPING_FEE_CODE = ""
SHIPPING_FEE_NAME = "送料"


def order_lines(order: Order) -> list[DocLine]:
    """The lines of an order as delivered: confirmed quantities (a shortage reduces the line),
    lines with nothing delivered left out, and the shipping fee as a 10% line."""
    delivered_on = order.transaction_date
    lines: list[DocLine] = []
    order_line: OrderLine
    for order_line in order.lines.all():
        quantity = (
            order_line.confirmed_quantity
            if order_line.confirmed_quantity is not None
            else order_line.quantity
        )
        if quantity == 0:
            continue
        lines.append(
            DocLine(
                delivered_on=delivered_on,
                order_number=order.number,
                product_code=order_line.product_code,
                product_name=order_line.product_name,
                quantity=quantity,
                unit_label=order_line.unit_label,
                unit_price=order_line.unit_price,
                amount=order_line.amount,
                tax_rate=order_line.tax_rate,
                order_unit=order_line.order_unit,
                units_per_case=order_line.units_per_case,
            )
        )
    if order.shipping_fee:
        lines.append(
            DocLine(
                delivered_on=delivered_on,
                order_number=order.number,
                product_code=SHIPPING_FEE_CODE,
                product_name=SHIPPING_FEE_NAME,
                quantity=1,
                unit_label="式",
                unit_price=order.shipping_fee,
                amount=order.shipping_fee,
                tax_rate=10,
            )
        )
    return lines


@dataclass
class Draft:
    """A document ready to be issued under one number: its row (unsaved), the HTML of its PDF
    and the sequence value it was drafted for. `commit()` saves it only if that value is still
    the next one, so a draft never takes a number out of turn."""

    document: Document
    html: str
    sequence: int
    orders: list[Order]
    warnings: list[str]

    @property
    def pdf_identifier(self) -> bytes:
        from tsunagu.documents import pdf

        return pdf.pdf_identifier(self.document)


def draft(
    *,
    actor: Membership | None,
    supplier: Organization,
    customer: Customer,
    doc_type: str,
    lines: Sequence[DocLine],
    issued_on: date,
    sequence: int,
    number_format: str,
    orders: Iterable[Order] = (),
    period: tuple[date, date] | None = None,
    due_date: date | None = None,
    previous_balance: Decimal | int = 0,
    payments: Decimal | int = 0,
    original: Document | None = None,
    reason: str = "",
    credit_notes: Sequence[Document] = (),
) -> Draft:
    """Everything a document is, drafted for the sequence value given: amounts and tax once per
    rate, the frozen content, the HTML of its PDF. Reads only; nothing is numbered or saved.

    A periodic invoice that counts `credit_notes` (their lines are among `lines`) rounds the tax
    of its own sales once per rate and adds each note's tax as the note printed it: a note is a
    返還インボイス of its own, so the invoice never rounds its tax again (decision
    0048-credit-note-rounding)."""
    from tsunagu.documents import pdf

    orders = list(orders)
    lines = list(lines)
    credit_notes = list(credit_notes)
    previous_balance = Decimal(previous_balance)
    payments = Decimal(payments)
    _check(supplier, customer, doc_type, lines, orders, original, reason)
    amounts = amounts_by_rate((line.tax_rate, line.amount) for line in lines)
    counted = _counted(credit_notes)
    if doc_type == DocumentType.CREDIT_NOTE and original is not None:
        taxes = _credit_note_tax(original, amounts, supplier.rounding)
    else:
        sales = {rate: amounts[rate] - counted["amount"][rate] for rate in RATES}
        sales_tax = tax_by_rate(sales, supplier.rounding)
        taxes = {rate: sales_tax[rate] + counted["tax"][rate] for rate in RATES}
    total = sum(amounts.values(), Decimal(0)) + sum(taxes.values(), Decimal(0))
    amount_due = previous_balance - payments + total

    is_qualified = doc_type in QUALIFIED_TYPES.get(supplier.qualified_invoice_document, ()) or (
        doc_type == DocumentType.CREDIT_NOTE
        and original is not None
        and original.is_qualified_invoice
    )
    warnings: list[str] = []
    if is_qualified and not supplier.registration_number:
        warnings.append(MISSING_REGISTRATION_NUMBER)

    document = Document(
        supplier=supplier,
        customer=customer,
        buyer_id=customer.buyer_id,
        doc_type=doc_type,
        number=numbering.format_number(number_format, sequence, issued_on),
        issued_on=issued_on,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        due_date=due_date,
        is_qualified_invoice=is_qualified,
        amount_10=amounts[10],
        amount_8=amounts[8],
        tax_10=taxes[10],
        tax_8=taxes[8],
        total=total,
        previous_balance=previous_balance,
        payments=payments,
        amount_due=amount_due,
        original=original,
        issued_by=actor.user if actor is not None else None,
    )
    document.content = _content(
        document,
        sequence=sequence,
        supplier=supplier,
        customer=customer,
        lines=lines,
        amounts=amounts,
        taxes=taxes,
        orders=orders,
        original=original,
        reason=reason,
        warnings=warnings,
        credit_notes=credit_notes,
        counted=counted,
    )
    html = pdf.render_html(document, logo=_image(supplier.logo), seal=_image(supplier.seal))
    return Draft(document, html, sequence, orders, warnings)


def commit(drafted: Draft, pdf_data: bytes, *, actor: Membership | None) -> Document | None:
    """Issue a drafted document with its rendered PDF, in the caller's transaction: take its
    number under the sequence's lock, store the PDF encrypted, save the row, link its orders
    and record the issue. None (nothing written) when the number is no longer the next one
    (another document took it, or the format changed): draft again."""
    document = drafted.document
    if not numbering.take_if_next(
        document.supplier,
        document.doc_type,
        drafted.sequence,
        number=document.number,
        on=document.issued_on,
    ):
        return None
    storage_name = save_encrypted(pdf_data, folder=f"documents/{document.supplier_id}")
    try:
        document.pdf_storage_name = storage_name
        document.pdf_sha256 = hashlib.sha256(pdf_data).hexdigest()
        document.save(force_insert=True)
        if drafted.orders:
            document.orders.set(drafted.orders)
        audit.record(
            "document.issued",
            actor=actor.user if actor is not None else None,
            organization=document.supplier,
            target=document,
            acting_for=None,
            changes={
                "doc_type": document.doc_type,
                "number": document.number,
                "customer": document.customer.customer_code,
                "total": str(document.total),
                "amount_due": str(document.amount_due),
                "pdf_sha256": document.pdf_sha256,
                "original": document.original.number if document.original is not None else "",
                "warnings": drafted.warnings,
                # Every frozen field, so verify_audit_log can tell a changed row.
                "content_sha256": integrity.frozen_digest(document),
            },
        )
    except Exception:
        default_storage.delete(storage_name)
        raise
    document.warnings = drafted.warnings  # type: ignore[attr-defined]
    return document


def issue(
    *,
    actor: Membership | None,
    supplier: Organization,
    customer: Customer,
    doc_type: str,
    lines: Sequence[DocLine],
    issued_on: date,
    orders: Iterable[Order] = (),
    period: tuple[date, date] | None = None,
    due_date: date | None = None,
    previous_balance: Decimal | int = 0,
    payments: Decimal | int = 0,
    original: Document | None = None,
    reason: str = "",
    credit_notes: Sequence[Document] = (),
) -> Document:
    """Issue one document in the caller's transaction (see the module docstring): the number's
    lock is taken first and held while the PDF renders, so the draft always commits."""
    from tsunagu.documents import pdf_engine

    with transaction.atomic():
        if original is not None:
            original = Document.objects.select_for_update(no_key=True).get(pk=original.pk)
            if original.status == DocumentStatus.VOID:
                raise IssueError("a void document cannot be corrected")
        sequence = numbering.lock_sequence(supplier, doc_type)
        drafted = draft(
            actor=actor,
            supplier=supplier,
            customer=customer,
            doc_type=doc_type,
            lines=lines,
            issued_on=issued_on,
            sequence=sequence.last_number + 1,
            number_format=sequence.number_format,
            orders=orders,
            period=period,
            due_date=due_date,
            previous_balance=previous_balance,
            payments=payments,
            original=original,
            reason=reason,
            credit_notes=credit_notes,
        )
        data = pdf_engine.html_to_pdf(drafted.html, drafted.pdf_identifier)
        document = commit(drafted, data, actor=actor)
        assert document is not None  # noqa: S101 - the sequence is locked by this transaction
    return document


def _check(
    supplier: Organization,
    customer: Customer,
    doc_type: str,
    lines: list[DocLine],
    orders: list[Order],
    original: Document | None,
    reason: str,
) -> None:
    if doc_type not in DocumentType.values:
        raise IssueError(f"unknown document type {doc_type!r}")
    if customer.supplier_id != supplier.pk:
        raise IssueError("the customer belongs to another supplier")
    for order in orders:
        if order.supplier_id != supplier.pk or order.customer_id != customer.pk:
            raise IssueError(f"order {order.number} is not this customer's")
    for line in lines:
        if line.tax_rate not in RATES:
            raise IssueError(f"tax rate {line.tax_rate} is neither 10 nor 8")
        if line.amount != line.amount.to_integral_value():
            raise IssueError(f"line amount {line.amount} is not whole yen")
    if doc_type == DocumentType.CREDIT_NOTE:
        if original is None:
            raise IssueError("a credit note needs the original document")
        if original.supplier_id != supplier.pk or original.customer_id != customer.pk:
            raise IssueError("the original document is another customer's")
        if original.doc_type == DocumentType.CREDIT_NOTE:
            raise IssueError("correct the original document, not a credit note")
        if not reason.strip():
            raise IssueError("a credit note needs a reason")
        if not lines:
            raise IssueError("a credit note needs at least one line")
    elif original is not None:
        raise IssueError("only a credit note refers to an original document")
    elif doc_type != DocumentType.PERIODIC_INVOICE and not lines:
        raise IssueError("a document needs at least one line")


def _counted(credit_notes: Sequence[Document]) -> dict[str, dict[int, Decimal]]:
    """The amounts and tax per rate of the credit notes a periodic invoice counts, as issued."""
    return {
        "amount": {
            10: sum((note.amount_10 for note in credit_notes), Decimal(0)),
            8: sum((note.amount_8 for note in credit_notes), Decimal(0)),
        },
        "tax": {
            10: sum((note.tax_10 for note in credit_notes), Decimal(0)),
            8: sum((note.tax_8 for note in credit_notes), Decimal(0)),
        },
    }


def _credit_note_tax(
    original: Document, amounts: dict[int, Decimal], rounding: str
) -> dict[int, Decimal]:
    """Tax of the corrected sums (one rounding per rate) minus the tax already charged by the
    original and its earlier credit notes: together they net to the correction exactly.

    A periodic invoice that counted credit notes of its own corrects only its own sales: the
    notes it counted keep the tax they printed (decision 0048-credit-note-rounding)."""
    own_amount = {
        rate: Decimal(original.content.get("sales_by_rate", {}).get(str(rate), figure))
        for rate, figure in ((10, original.amount_10), (8, original.amount_8))
    }
    own_tax = {
        rate: Decimal(original.content.get("sales_tax_by_rate", {}).get(str(rate), figure))
        for rate, figure in ((10, original.tax_10), (8, original.tax_8))
    }
    earlier = Document.objects.filter(original=original, doc_type=DocumentType.CREDIT_NOTE).exclude(
        status=DocumentStatus.VOID
    )
    sums = earlier.aggregate(
        amount_10=Sum("amount_10"),
        amount_8=Sum("amount_8"),
        tax_10=Sum("tax_10"),
        tax_8=Sum("tax_8"),
    )
    charged_amounts = {
        rate: own_amount[rate] + (sums[f"amount_{rate}"] or 0) + amounts[rate] for rate in RATES
    }
    corrected_tax = tax_by_rate(charged_amounts, rounding)
    charged_tax = {rate: own_tax[rate] + (sums[f"tax_{rate}"] or 0) for rate in RATES}
    return {rate: corrected_tax[rate] - charged_tax[rate] for rate in RATES}


def _content(
    document: Document,
    *,
    sequence: int,
    supplier: Organization,
    customer: Customer,
    lines: list[DocLine],
    amounts: dict[int, Decimal],
    taxes: dict[int, Decimal],
    orders: list[Order],
    original: Document | None,
    reason: str,
    warnings: list[str],
    credit_notes: list[Document],
    counted: dict[str, dict[int, Decimal]],
) -> dict[str, Any]:
    """Everything printed, as data: the document can be re-read and re-checked without the
    organization, customer or order rows it came from (they may change later)."""
    carry_over = document.previous_balance - document.payments
    subtotal = sum(amounts.values(), Decimal(0))
    tax_total = sum(taxes.values(), Decimal(0))
    return {
        # 2: lines carry their unit (order_unit, units_per_case, pieces, price_per_unit).
        "version": 2,
        "title": TITLES[document.doc_type],
        "doc_type": document.doc_type,
        "number": document.number,
        "sequence": sequence,
        "issued_on": document.issued_on.isoformat(),
        "is_qualified_invoice": document.is_qualified_invoice,
        "rounding": supplier.rounding,
        "issuer": {
            "name": supplier.name,
            "postal_code": supplier.postal_code,
            "address": supplier.address,
            "phone": supplier.phone,
            "fax": supplier.fax,
            "email": supplier.email,
            "registration_number": supplier.registration_number,
        },
        "recipient": {
            "name": customer.name,
            "customer_code": customer.customer_code,
            "postal_code": customer.postal_code,
            "address": customer.address,
            "registration_number": customer.registration_number,
        },
        "lines": [line.as_content() for line in lines],
        "amount_by_rate": {str(rate): str(amounts[rate]) for rate in RATES},
        "tax_by_rate": {str(rate): str(taxes[rate]) for rate in RATES},
        "total_by_rate": {str(rate): str(amounts[rate] + taxes[rate]) for rate in RATES},
        "subtotal": str(subtotal),
        "tax_total": str(tax_total),
        "total": str(document.total),
        "previous_balance": str(document.previous_balance),
        "payments": str(document.payments),
        "carry_over": str(carry_over),
        "amount_due": str(document.amount_due),
        "period": (
            {"start": document.period_start.isoformat(), "end": document.period_end.isoformat()}
            if document.period_start and document.period_end
            else None
        ),
        "due_date": document.due_date.isoformat() if document.due_date else None,
        "bank_accounts": [
            row.strip() for row in supplier.bank_accounts.splitlines() if row.strip()
        ],
        "remarks": supplier.invoice_remarks,
        "orders": [order.number for order in orders],
        # Orders dated before this period that were marked delivered after the previous
        # invoice was issued: billed here, late, and the invoice says so.
        "late_orders": _late_orders(document, orders),
        "ship_to": _ship_to(orders),
        "original": (
            {
                "id": str(original.pk),
                "number": original.number,
                "doc_type": original.doc_type,
                "title": TITLES[original.doc_type],
                "issued_on": original.issued_on.isoformat(),
                "total": str(original.total),
            }
            if original is not None
            else None
        ),
        "reason": reason.strip(),
        "warnings": warnings,
        # On a periodic invoice: this period's sales with their tax rounded once per rate, and
        # the credit notes counted with their figures as issued (sales + notes = the totals).
        "sales_by_rate": {
            str(rate): str(amounts[rate] - counted["amount"][rate]) for rate in RATES
        },
        "sales_tax_by_rate": {str(rate): str(taxes[rate] - counted["tax"][rate]) for rate in RATES},
        "credit_notes": [
            {
                "number": note.number,
                "issued_on": note.issued_on.isoformat(),
                "original": note.original.number if note.original is not None else "",
                "amount_by_rate": {"10": str(note.amount_10), "8": str(note.amount_8)},
                "tax_by_rate": {"10": str(note.tax_10), "8": str(note.tax_8)},
                "total": str(note.total),
            }
            for note in credit_notes
        ],
    }


def _late_orders(document: Document, orders: list[Order]) -> list[dict[str, str]]:
    start = document.period_start
    if document.doc_type != DocumentType.PERIODIC_INVOICE or start is None:
        return []
    late = []
    for order in orders:
        billed_on = order.transaction_date
        if billed_on < start:
            late.append({"number": order.number, "delivered_on": billed_on.isoformat()})
    return late


def _ship_to(orders: list[Order]) -> dict[str, str] | None:
    """The place the goods went, when every order went to the same one."""
    if not orders or len({order.location_id for order in orders}) != 1:
        return None
    location = orders[0].location
    return {"name": location.name, "address": location.address}


def _decimal_text(value: Decimal) -> str:
    """12.50 → "12.5", 100.00 → "100": the unit price as people write it."""
    text = format(value.normalize(), "f")
    return text


def _image(field: Any) -> bytes | None:
    """The bytes of an uploaded logo or seal, scaled down to what a document prints, or None
    (embedded in the PDF as data). An image stored before uploads were checked that is beyond
    the pixel bounds is left out (a decompression bomb would make every PDF take seconds)."""
    if not field:
        return None
    try:
        with field.open("rb") as handle:
            data: bytes = handle.read()
    except OSError:
        return None
    return _printable(data)


@functools.lru_cache(maxsize=8)
def _printable(data: bytes) -> bytes | None:
    # A billing run prints the same logo on hundreds of invoices: scale it once per process.
    try:
        # The larger side for either image: an upload is already within its own, and only an
        # image stored before uploads were scaled down can be bigger.
        return images.shrink(data, longest_side=max(PRINTED_SIDE.values()))
    except images.ImageRefusedError:
        logger.warning("documents.image_left_out reason=out_of_bounds bytes=%s", len(data))
        return None
