"""Reads of the documents app: the searchable list (電子帳簿保存法: date, amount, counterparty),
a document's family, and its PDF checked against the SHA-256 recorded when it was issued."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from tsunagu.accounts.models import Organization
from tsunagu.core.encryption import DecryptionError
from tsunagu.core.filestore import read_decrypted
from tsunagu.core.text import fold_halfwidth_kana, nfkc, normalize_code, to_katakana
from tsunagu.customers.models import Customer
from tsunagu.documents.models import BillingRun, Document, DocumentStatus, DocumentType
from tsunagu.ordering.models import TRANSACTION_DATE_FIELDS, Order, OrderStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentSearch:
    """Any combination of: issued between two dates, total between two amounts, counterparty
    (customer code or name, partial), document type."""

    issued_from: date | None = None
    issued_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    counterparty: str = ""
    doc_type: str = ""

    @property
    def is_filtered(self) -> bool:
        return any(
            value not in (None, "")
            for value in (
                self.issued_from,
                self.issued_to,
                self.amount_min,
                self.amount_max,
                self.counterparty,
                self.doc_type,
            )
        )


def _filtered(documents: QuerySet[Document], search: DocumentSearch) -> QuerySet[Document]:
    if search.issued_from:
        documents = documents.filter(issued_on__gte=search.issued_from)
    if search.issued_to:
        documents = documents.filter(issued_on__lte=search.issued_to)
    if search.amount_min is not None:
        documents = documents.filter(total__gte=search.amount_min)
    if search.amount_max is not None:
        documents = documents.filter(total__lte=search.amount_max)
    if search.doc_type:
        documents = documents.filter(doc_type=search.doc_type)
    for word in nfkc(search.counterparty).split():
        documents = documents.filter(
            Q(customer__customer_code__icontains=normalize_code(word))
            | Q(customer__name__icontains=fold_halfwidth_kana(word))
            | Q(customer__name_kana__icontains=to_katakana(word))
        )
    return documents


def supplier_documents(supplier_id: UUID, search: DocumentSearch) -> QuerySet[Document]:
    """The supplier's documents, newest first, with their customer in the same query."""
    documents = Document.objects.filter(supplier_id=supplier_id).select_related("customer")
    return _filtered(documents, search).order_by("-issued_on", "-created_at")


def buyer_documents(buyer_id: UUID, search: DocumentSearch) -> QuerySet[Document]:
    """The documents the buyer organization received from any supplier."""
    documents = Document.objects.filter(customer__buyer_id=buyer_id).select_related(
        "customer", "supplier"
    )
    return _filtered(documents, search).order_by("-issued_on", "-created_at")


def corrections_of(document: Document) -> QuerySet[Document]:
    return document.corrections.order_by("created_at")


def billed_on(credit_note: Document) -> list[Document]:
    """The live periodic invoices that count a credit note (one, once billed; decision 0031)."""
    return list(credit_note.counted_on.exclude(status=DocumentStatus.VOID).order_by("period_end"))


def credit_notes_billed(invoice: Document) -> list[Document]:
    """The credit notes a periodic invoice counts, in the order it prints them."""
    return list(invoice.credit_notes.order_by("issued_on", "number"))


class DocumentIntegrityError(Exception):
    """The stored PDF is missing, cannot be decrypted, or is not the one issued."""


def read_pdf(document: Document) -> bytes:
    """The PDF as issued. Refuses a file that is missing, damaged or changed since issue (its
    SHA-256 must be the one recorded), so a tampered document is never handed out."""
    try:
        data = read_decrypted(document.pdf_storage_name)
    except (OSError, DecryptionError) as error:
        logger.error(
            "documents.pdf_unreadable document_id=%s error=%s", document.pk, type(error).__name__
        )
        raise DocumentIntegrityError(str(error)) from error
    if hashlib.sha256(data).hexdigest() != document.pdf_sha256:
        logger.error("documents.pdf_sha256_mismatch document_id=%s", document.pk)
        raise DocumentIntegrityError("SHA-256 mismatch")
    return data


# ---- billing and payments pages ----------------------------------------------------------------


def payable_invoice(customer: Customer, number: str) -> Document | None:
    """The customer's live, unpaid invoice (per order or periodic) with this number."""
    return (
        Document.objects.filter(
            supplier_id=customer.supplier_id,
            customer=customer,
            number__iexact=number,
            doc_type__in=(DocumentType.INVOICE, DocumentType.PERIODIC_INVOICE),
            status__in=(DocumentStatus.ISSUED, DocumentStatus.SENT),
        )
        .select_related("customer")
        .first()
    )


def active_closing_days(supplier: Organization) -> list[int]:
    """The closing day of every active customer billed by closing day (one entry each)."""
    return list(
        Customer.objects.filter(
            supplier=supplier,
            status=Customer.Status.ACTIVE,
            billing_method=Customer.BillingMethod.CLOSING,
        ).values_list("closing_day", flat=True)
    )


def active_customer_choices(supplier: Organization) -> list[tuple[str, str]]:
    """(code, name) of the supplier's active customers, for picking one by code."""
    return list(
        Customer.objects.filter(supplier=supplier, status=Customer.Status.ACTIVE).values_list(
            "customer_code", "name"
        )
    )


def periodic_invoice_counts(supplier: Organization, days: list[date]) -> dict[date | None, int]:
    """How many live periodic invoices the supplier issued for each of these closing dates."""
    return {
        row["period_end"]: row["n"]
        for row in Document.objects.filter(
            supplier=supplier, doc_type=DocumentType.PERIODIC_INVOICE, period_end__in=days
        )
        .exclude(status=DocumentStatus.VOID)
        .values("period_end")
        .annotate(n=Count("id"))
    }


def recent_billing_runs(supplier: Organization, closing_date: date, limit: int) -> list[BillingRun]:
    return list(
        BillingRun.objects.filter(supplier=supplier, closing_date=closing_date).order_by(
            "-created_at"
        )[:limit]
    )


def on_a_live_invoice() -> Exists:
    """For a query of orders: the order is on an invoice that is not void, periodic or per
    order (an order is billed once)."""
    return Exists(
        Document.orders.through.objects.filter(
            order_id=OuterRef("pk"),
            document__doc_type__in=[DocumentType.PERIODIC_INVOICE, DocumentType.INVOICE],
        ).exclude(document__status=DocumentStatus.VOID)
    )


def unbilled_orders(supplier: Organization) -> QuerySet[Order]:
    """Delivered orders of customers billed by closing day that no live invoice holds although
    the customer has been billed up to their date or later: they missed their invoice (marked
    delivered after it was issued). Each carries `billed_on`, `last_closed` (the customer's
    latest closing date billed) and `first_start` (where its first invoice began): one dated on
    or after `first_start` goes on the next periodic invoice; an older one predates billing
    here and needs an invoice of its own (billing.billable_orders)."""
    live_invoices = Document.objects.filter(
        supplier_id=supplier.pk,
        customer_id=OuterRef("customer_id"),
        doc_type=DocumentType.PERIODIC_INVOICE,
    ).exclude(status=DocumentStatus.VOID)
    return (
        Order.objects.filter(
            supplier_id=supplier.pk,
            status=OrderStatus.DELIVERED,
            customer__billing_method=Customer.BillingMethod.CLOSING,
        )
        .annotate(
            billed_on=Coalesce(*TRANSACTION_DATE_FIELDS),
            last_closed=Subquery(live_invoices.order_by("-period_end").values("period_end")[:1]),
            first_start=Subquery(live_invoices.order_by("period_end").values("period_start")[:1]),
        )
        .filter(last_closed__isnull=False, billed_on__lte=F("last_closed"))
        .exclude(on_a_live_invoice())
        .select_related("customer")
        .order_by("billed_on", "number")
    )
