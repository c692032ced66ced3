"""Every write of the documents app: issuing from an order, credit notes, voiding, status, mail.

No service changes an issued document's frozen content or figures (Document.save refuses it):
a correction is a credit note that refers to the original, and a void keeps the row with its
reason. The billing run's writes live in billing.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Membership
from tsunagu.audit import services as audit
from tsunagu.core.money import round_money
from tsunagu.core.tax import RATES
from tsunagu.customers.models import Customer
from tsunagu.documents import issuing, payments
from tsunagu.documents.issuing import DocLine
from tsunagu.documents.models import Document, DocumentStatus, DocumentType, Payment
from tsunagu.notifications import services as notifications
from tsunagu.notifications.rendering import render_email
from tsunagu.ordering.models import Order, OrderStatus

# Issued from one order on the order's page; the periodic invoice comes from the billing run and
# the credit note from its original.
FROM_ORDER = (DocumentType.DELIVERY_NOTE, DocumentType.SHIPPING_SLIP, DocumentType.INVOICE)
ORDER_STATUSES_FOR_DOCUMENTS = {OrderStatus.ACCEPTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
# Invoices: an order is billed by one non-void invoice, per order or periodic, never both.
BILLING_TYPES = (DocumentType.INVOICE, DocumentType.PERIODIC_INVOICE)

# Status changes are data: the moves a document may make, and nothing else.
ALLOWED_MOVES: dict[str, set[str]] = {
    DocumentStatus.ISSUED: {DocumentStatus.SENT, DocumentStatus.PAID, DocumentStatus.VOID},
    DocumentStatus.SENT: {DocumentStatus.PAID, DocumentStatus.VOID},
    DocumentStatus.PAID: set(),
    DocumentStatus.VOID: set(),
}
PAYABLE_TYPES = {DocumentType.INVOICE, DocumentType.PERIODIC_INVOICE}


class DocumentError(Exception):
    """The change cannot be made; the message (translated) tells the person why."""


class AlreadyIssuedError(DocumentError):
    """The order already has this kind of document (or is already billed): `document` is it."""

    def __init__(self, message: str, document: Document) -> None:
        super().__init__(message)
        self.document = document


def _require_supplier_member(document_or_order: Document | Order, actor: Membership) -> None:
    if document_or_order.supplier_id != actor.organization_id:
        raise PermissionError("only the document's supplier changes it")


def _today() -> date:
    return timezone.localdate()


# ---- issuing from an order ----------------------------------------------------------------------


def issue_delivery_note(order: Order, *, actor: Membership) -> Document:
    """The delivery note (納品書) of an accepted, shipped or delivered order."""
    return issue_for_order(order, actor=actor, doc_type=DocumentType.DELIVERY_NOTE)


def issue_shipping_slip(order: Order, *, actor: Membership) -> Document:
    """The shipping slip (出荷伝票) that travels with the goods."""
    return issue_for_order(order, actor=actor, doc_type=DocumentType.SHIPPING_SLIP)


def issue_order_invoice(order: Order, *, actor: Membership) -> Document:
    """A per-order invoice (都度請求), due by the customer's payment terms."""
    return issue_for_order(order, actor=actor, doc_type=DocumentType.INVOICE)


@transaction.atomic
def issue_for_order(order: Order, *, actor: Membership, doc_type: str) -> Document:
    """Issue one document for one order, with the order row locked so that a double tap issues
    one. Refuses (AlreadyIssuedError with the existing document) a second document of the same
    kind, or an invoice for an order that an invoice (per order or periodic) already bills."""
    if doc_type not in FROM_ORDER:
        raise DocumentError(_("This kind of document is not issued from an order."))
    order = (
        Order.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer__supplier", "location")
        .get(pk=order.pk)
    )
    _require_supplier_member(order, actor)
    if order.status not in ORDER_STATUSES_FOR_DOCUMENTS:
        raise DocumentError(
            _("Documents are issued for accepted, shipped or delivered orders; this one is %(s)s.")
            % {"s": OrderStatus(order.status).label}
        )
    kinds = BILLING_TYPES if doc_type == DocumentType.INVOICE else (doc_type,)
    existing = (
        Document.objects.filter(supplier_id=order.supplier_id, orders=order, doc_type__in=kinds)
        .exclude(status=DocumentStatus.VOID)
        .first()
    )
    if existing is not None:
        raise AlreadyIssuedError(
            _("This order already has %(kind)s %(number)s. Void it first to issue a new one.")
            % {"kind": existing.get_doc_type_display(), "number": existing.number},
            existing,
        )
    lines = issuing.order_lines(order)
    if not lines:
        raise DocumentError(_("Nothing is delivered on this order, so there is nothing to print."))
    customer = order.customer
    due_date = _due_date(order) if doc_type == DocumentType.INVOICE else None
    return issuing.issue(
        actor=actor,
        supplier=customer.supplier,
        customer=customer,
        doc_type=doc_type,
        lines=lines,
        issued_on=_today(),
        orders=[order],
        due_date=due_date,
    )


def _due_date(order: Order) -> date:
    """By the customer's terms: the payment day after the closing that takes the delivery."""
    from tsunagu.documents import billing

    customer = order.customer
    delivered_on = order.transaction_date
    closing = billing.next_closing_date(delivered_on, customer.closing_day)
    return billing.due_date_for(
        closing,
        month_offset=customer.payment_month_offset,
        payment_day=customer.payment_day,
        move_off_holidays=customer.supplier.move_due_dates_off_holidays,
    )


# ---- corrections --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditQuantity:
    """Take `quantity` of the original's line number `index` (0-based) back."""

    index: int
    quantity: int


def credit_lines(original: Document, quantities: list[CreditQuantity]) -> list[DocLine]:
    """Negative lines that take back part or all of some of the original's lines.

    A part is priced with the supplier's rounding, never above what is left of the line; the
    last of a line takes back exactly what is left, so a line taken back in several notes nets
    to zero, never to a yen more or less."""
    rows = original.content.get("lines", [])
    rounding = original.content.get("rounding", "down")
    taken = taken_by_line(original)
    lines: list[DocLine] = []
    for item in quantities:
        if item.quantity == 0:
            continue
        if not 0 <= item.index < len(rows):
            raise DocumentError(_("That line is not on the original document."))
        source = DocLine.from_content(rows[item.index])
        taken_quantity, taken_amount = taken.get(item.index, (0, Decimal(0)))
        left_quantity = source.quantity - taken_quantity
        left_amount = source.amount - taken_amount
        if not 0 < item.quantity <= left_quantity:
            raise DocumentError(
                _("Take back between 1 and %(max)s of %(name)s.")
                % {"max": left_quantity, "name": source.product_name}
            )
        amount = (
            left_amount
            if item.quantity == left_quantity
            else min(round_money(source.price_per_unit * item.quantity, rounding), left_amount)
        )
        lines.append(
            DocLine(
                delivered_on=source.delivered_on,
                order_number=source.order_number,
                product_code=source.product_code,
                product_name=source.product_name,
                quantity=-item.quantity,
                unit_label=source.unit_label,
                unit_price=source.unit_price,
                amount=-amount,
                tax_rate=source.tax_rate,
                source_index=item.index,
                order_unit=source.order_unit,
                units_per_case=source.units_per_case,
            )
        )
    return lines


def taken_by_line(original: Document) -> dict[int, tuple[int, Decimal]]:
    """{line index: (quantity, amount)} already taken back by the original's live credit notes."""
    taken: dict[int, tuple[int, Decimal]] = {}
    for note in original.corrections.exclude(status=DocumentStatus.VOID).only("content"):
        for row in note.content.get("lines", []):
            index = row.get("source_index")
            if index is None:
                continue
            quantity, amount = taken.get(index, (0, Decimal(0)))
            taken[index] = (quantity - int(row["quantity"]), amount - Decimal(row["amount"]))
    return taken


@transaction.atomic
def issue_credit_note(
    original: Document, *, actor: Membership, lines: list[DocLine], reason: str
) -> Document:
    """A credit note (赤伝) for `original`: its lines are the correction (negative to take back).
    Its tax per rate makes the original and its credit notes net to one rounding of the
    corrected sums. Refused when it would take back more than the original has left."""
    original = (
        Document.objects.select_for_update(of=("self",), no_key=True)
        .select_related("supplier", "customer")
        .get(pk=original.pk)
    )
    _require_supplier_member(original, actor)
    if not actor.is_admin:
        raise PermissionError("only owners and administrators correct documents")
    if original.status == DocumentStatus.VOID:
        raise DocumentError(_("A void document cannot be corrected."))
    if original.doc_type == DocumentType.CREDIT_NOTE:
        raise DocumentError(_("Correct the original document, not its credit note."))
    if not reason.strip():
        raise DocumentError(_("Write the reason for the correction: it is printed on the note."))
    if not lines:
        raise DocumentError(_("Choose at least one line to correct."))
    left = remaining_by_rate(original)
    for rate in RATES:
        change = sum((line.amount for line in lines if line.tax_rate == rate), Decimal(0))
        if left[rate] + change < 0:
            raise DocumentError(
                _("The correction takes back more than is left on %(number)s.")
                % {"number": original.number}
            )
    return issuing.issue(
        actor=actor,
        supplier=original.supplier,
        customer=original.customer,
        doc_type=DocumentType.CREDIT_NOTE,
        lines=lines,
        issued_on=_today(),
        original=original,
        reason=reason.strip()[:300],
    )


def remaining_by_rate(original: Document) -> dict[int, Decimal]:
    """The original's amounts per rate after its non-void credit notes."""
    left = {10: original.amount_10, 8: original.amount_8}
    for note in original.corrections.exclude(status=DocumentStatus.VOID).only(
        "amount_10", "amount_8"
    ):
        left[10] += note.amount_10
        left[8] += note.amount_8
    return left


# ---- status -------------------------------------------------------------------------------------


def _move(document: Document, *, actor: Membership, to_status: str, note: str = "") -> Document:
    """Change the status of a document the caller has locked in its transaction."""
    _require_supplier_member(document, actor)
    if to_status not in ALLOWED_MOVES[document.status]:
        raise DocumentError(
            _("A document that is %(from)s cannot become %(to)s.")
            % {
                "from": DocumentStatus(document.status).label,
                "to": DocumentStatus(to_status).label,
            }
        )
    previous = document.status
    document.status = to_status
    document.save(update_fields=["status", "updated_at"])
    audit.record(
        f"document.{to_status}",
        actor=actor.user,
        organization=actor.organization,
        target=document,
        changes={"status": [previous, to_status], **({"note": note} if note else {})},
    )
    return document


@transaction.atomic
def mark_sent(document: Document, *, actor: Membership) -> Document:
    """The document went to the customer (by hand, FAX or post); a no-op when already sent."""
    locked = Document.objects.select_for_update(no_key=True).get(pk=document.pk)
    if locked.status == DocumentStatus.SENT:
        return locked
    return _move(locked, actor=actor, to_status=DocumentStatus.SENT)


@dataclass(frozen=True)
class Paid:
    """What marking an invoice paid did: the payment it recorded (None when payments already
    covered it, or when it was already marked) and the other invoices that became paid."""

    document: Document
    payment: Payment | None = None
    also_paid: tuple[Document, ...] = ()


@transaction.atomic
def mark_paid(document: Document, *, actor: Membership, received_on: date | None = None) -> Paid:
    """The customer paid this invoice. Records a payment of what is still outstanding (nothing
    when the payments recorded already cover it), received on `received_on` (today by default),
    and marks the invoice paid; earlier periodic invoices that the payment covers become paid
    too. A no-op when already marked: a second tap records no second payment (decision 0031)."""
    locked = (
        Document.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer__supplier")
        .get(pk=document.pk)
    )
    _require_supplier_member(locked, actor)
    if locked.doc_type not in PAYABLE_TYPES:
        raise DocumentError(_("Only invoices are marked paid."))
    if locked.status == DocumentStatus.PAID:
        return Paid(locked)
    left = payments.outstanding(locked)
    moved = _move(locked, actor=actor, to_status=DocumentStatus.PAID)
    if left <= 0:
        return Paid(moved)
    try:
        payment = payments.record_payment(
            locked.customer,
            actor=actor,
            received_on=received_on or _today(),
            amount=left,
            invoice=locked,
        )
    except payments.PaymentRefusedError as error:
        raise DocumentError(str(error)) from None
    return Paid(moved, payment, tuple(payment.invoices_paid))


def mark_paid_if_covered(invoice: Document, *, actor: Membership) -> list[Document]:
    """Mark a per-order invoice paid once the payments that settle it cover it (in the caller's
    transaction); [the invoice] when it was marked, [] otherwise."""
    locked = Document.objects.select_for_update(of=("self",), no_key=True).get(pk=invoice.pk)
    if locked.status not in (DocumentStatus.ISSUED, DocumentStatus.SENT):
        return []
    if payments.outstanding(locked) > 0:
        return []
    return [
        _move(locked, actor=actor, to_status=DocumentStatus.PAID, note="covered by its payments")
    ]


def reopen_uncovered_invoices(
    customer: Customer, *, actor: Membership, invoice: Document | None
) -> list[Document]:
    """After a payment is taken back: the paid invoices it may have covered (the one it settled,
    or the customer's periodic invoices) that something is owed on again go back to issued."""
    candidates = Document.objects.select_for_update(of=("self",), no_key=True).filter(
        supplier_id=customer.supplier_id, customer=customer, status=DocumentStatus.PAID
    )
    if invoice is not None and invoice.doc_type == DocumentType.INVOICE:
        candidates = candidates.filter(pk=invoice.pk)
    else:
        candidates = candidates.filter(doc_type=DocumentType.PERIODIC_INVOICE)
    reopened = []
    for document in candidates.select_related("customer"):
        if payments.outstanding(document) > 0:
            document.status = DocumentStatus.ISSUED
            document.save(update_fields=["status", "updated_at"])
            audit.record(
                "document.reopened",
                actor=actor.user,
                organization=actor.organization,
                target=document,
                changes={
                    "status": [DocumentStatus.PAID, DocumentStatus.ISSUED],
                    "note": "a payment was taken back",
                },
            )
            reopened.append(document)
    return reopened


def mark_covered_invoices_paid(customer: Customer, *, actor: Membership) -> list[Document]:
    """Mark paid the customer's unpaid periodic invoices that its payments now cover (in the
    caller's transaction). Invoices with nothing to pay are left as they are."""
    covered = []
    for invoice in (
        Document.objects.select_for_update(of=("self",), no_key=True)
        .filter(
            supplier_id=customer.supplier_id,
            customer=customer,
            doc_type=DocumentType.PERIODIC_INVOICE,
            status__in=[DocumentStatus.ISSUED, DocumentStatus.SENT],
            amount_due__gt=0,
        )
        .select_related("customer")
        .order_by("period_end")
    ):
        if payments.outstanding(invoice) <= 0:
            covered.append(
                _move(
                    invoice,
                    actor=actor,
                    to_status=DocumentStatus.PAID,
                    note="covered by the payments recorded",
                )
            )
    return covered


@transaction.atomic
def void_document(document: Document, *, actor: Membership, reason: str) -> Document:
    """Void a document with a reason (kept, printed nowhere, shown on its page). The row, its
    number and its PDF stay. Refused while a credit note of it is in force."""
    document = Document.objects.select_for_update(no_key=True).get(pk=document.pk)
    _require_supplier_member(document, actor)
    if not actor.is_admin:
        raise PermissionError("only owners and administrators void documents")
    reason = reason.strip()
    if not reason:
        raise DocumentError(_("Write the reason for voiding this document."))
    if document.corrections.exclude(status=DocumentStatus.VOID).exists():
        raise DocumentError(_("Void its credit notes first: they refer to this document."))
    counted_on = document.counted_on.exclude(status=DocumentStatus.VOID).first()
    if counted_on is not None:
        # The periodic invoice is frozen with this note's lines in it: voiding the note alone
        # would leave the customer's balance counting a correction that no longer exists.
        raise DocumentError(
            _("Periodic invoice %(number)s counts this credit note. Void that invoice first.")
            % {"number": counted_on.number}
        )
    if DocumentStatus.VOID not in ALLOWED_MOVES[document.status]:
        raise DocumentError(
            _("A document that is %(from)s cannot be voided.")
            % {"from": DocumentStatus(document.status).label}
        )
    previous = document.status
    document.status = DocumentStatus.VOID
    document.void_reason = reason[:300]
    document.save(update_fields=["status", "void_reason", "updated_at"])
    audit.record(
        "document.voided",
        actor=actor.user,
        organization=actor.organization,
        target=document,
        changes={"status": [previous, DocumentStatus.VOID], "reason": document.void_reason},
    )
    return document


# ---- mail ---------------------------------------------------------------------------------------


def pdf_filename(document: Document) -> str:
    """An ASCII file name every mail program and browser keeps, e.g. invoice-I202604-00001.pdf."""
    safe = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in document.number
    )
    return f"{document.doc_type.replace('_', '-')}-{safe}.pdf"


@transaction.atomic
def send_by_mail(document: Document, *, actor: Membership, to: str) -> Document:
    """Queue a mail with the PDF attached (decrypted only when the worker sends it, and checked
    against its SHA-256 then), and mark the document sent."""
    document = (
        Document.objects.select_for_update(of=("self",), no_key=True)
        .select_related("supplier", "customer")
        .get(pk=document.pk)
    )
    _require_supplier_member(document, actor)
    if document.status == DocumentStatus.VOID:
        raise DocumentError(_("A void document is not sent."))
    to = to.strip()
    try:
        validate_email(to)
    except ValidationError:
        raise DocumentError(_("Enter an e-mail address, e.g. keiri@example.co.jp.")) from None
    context = {
        "document": document,
        "supplier": document.supplier,
        "customer": document.customer,
        "title": document.content.get("title", ""),
        "total": document.total,
        "amount_due": document.amount_due,
    }
    subject, text, html = render_email("documents/email/document", context)
    notifications.queue_email(
        to=to,
        subject=subject,
        text=text,
        html=html,
        organization=document.supplier,
        attachments=[
            {
                "storage_name": document.pdf_storage_name,
                "filename": pdf_filename(document),
                "content_type": "application/pdf",
                "sha256": document.pdf_sha256,
            }
        ],
    )
    audit.record(
        "document.mailed",
        actor=actor.user,
        organization=actor.organization,
        target=document,
        changes={"to": to},
    )
    if document.status == DocumentStatus.ISSUED:
        document = _move(document, actor=actor, to_status=DocumentStatus.SENT)
    return document
