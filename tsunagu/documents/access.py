"""How a request reaches a document: the supplier that issued it, or the buyer it was issued to.

Also a supplier's billing runs and payments. Another organization's id answers 404, exactly like
a missing one.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from tsunagu.accounts.models import Membership
from tsunagu.documents.models import BillingRun, Document, Payment


def get_document_for_supplier(member: Membership, document_id: UUID) -> Document:
    """A document the member's organization issued; any other id answers 404."""
    try:
        return Document.objects.select_related("customer", "original", "issued_by", "supplier").get(
            pk=document_id, supplier_id=member.organization_id
        )
    except Document.DoesNotExist:
        raise Http404 from None


def get_document_for_buyer(member: Membership, document_id: UUID) -> Document:
    """A document issued to a customer account that is the member's organization; else 404."""
    try:
        return Document.objects.select_related("customer", "supplier").get(
            pk=document_id, customer__buyer_id=member.organization_id
        )
    except Document.DoesNotExist:
        raise Http404 from None


def get_billing_run_for_member(member: Membership, run_id: UUID) -> BillingRun:
    """One of the member's supplier's billing runs; another supplier's id answers 404."""
    try:
        return BillingRun.objects.select_related("started_by").get(
            pk=run_id, supplier_id=member.organization_id
        )
    except BillingRun.DoesNotExist:
        raise Http404 from None


def get_payment_for_member(member: Membership, payment_id: UUID) -> Payment:
    """A payment the member's supplier recorded; another supplier's id answers 404."""
    try:
        return Payment.objects.select_related("customer", "invoice").get(
            pk=payment_id, supplier_id=member.organization_id
        )
    except Payment.DoesNotExist:
        raise Http404 from None
