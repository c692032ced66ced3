"""How a request reaches a document: the supplier that issued it, or the buyer it was issued to.

Another organization's document answers 404, exactly like a missing one.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest

from tsunagu.accounts.access import require_supplier_staff
from tsunagu.accounts.models import Membership
from tsunagu.documents.models import Document
from tsunagu.ordering.access import require_buyer


def require_supplier(request: HttpRequest, *, write: bool = False) -> Membership:
    """A supplier's owner, admin or member (viewers read only); 403 for anyone else."""
    return require_supplier_staff(request, write=write)


def require_buyer_reader(request: HttpRequest) -> Membership:
    """Anyone of a buying organization may read the documents it received."""
    return require_buyer(request)


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
