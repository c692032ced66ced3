"""How a supplier's request reaches an order or an order source: only within its own supplier."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from tsunagu.accounts.models import Membership
from tsunagu.ordering.models import Order, OrderAttachment


def get_order_for_supplier(member: Membership, order_id: UUID) -> Order:
    try:
        return Order.objects.select_related("customer", "location", "buyer", "placed_by").get(
            pk=order_id, supplier_id=member.organization_id
        )
    except Order.DoesNotExist:
        raise Http404 from None


def get_attachment_for_supplier(member: Membership, attachment_id: UUID) -> OrderAttachment:
    try:
        return OrderAttachment.objects.get(pk=attachment_id, supplier_id=member.organization_id)
    except OrderAttachment.DoesNotExist:
        raise Http404 from None
