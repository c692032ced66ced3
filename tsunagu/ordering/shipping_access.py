"""How a request reaches shipping instructions and the orders they ship.

A person with the shipping role reaches only the instructions assigned to them; the supplier's
staff reach all of the supplier's. Anything else answers 404, exactly like a missing row.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from tsunagu.accounts.access import require_membership
from tsunagu.accounts.models import Membership, Role
from tsunagu.ordering.models import Order, ShippingInstruction

# Who opens the shipping pages (the list, the picking list), and who marks instructions done.
SHIPPING_READ_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER, Role.SHIPPING})
SHIPPING_WRITE_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER, Role.SHIPPING})


def require_shipping_area(request: HttpRequest, *, write: bool = False) -> Membership:
    """The active membership if it is a supplier's and may see (or, with write, mark done)
    shipping work: staff and shipping people; viewers only read. 403 otherwise."""
    membership = require_membership(request)
    allowed = SHIPPING_WRITE_ROLES if write else SHIPPING_READ_ROLES
    if not membership.organization.is_supplier or membership.role not in allowed:
        raise PermissionDenied
    return membership


def sees_only_own_instructions(member: Membership) -> bool:
    return member.role == Role.SHIPPING


def instructions_for(member: Membership) -> QuerySet[ShippingInstruction]:
    """The instructions the member may see: their own for a shipping person, else the
    supplier's."""
    instructions = ShippingInstruction.objects.filter(supplier_id=member.organization_id)
    if sees_only_own_instructions(member):
        instructions = instructions.filter(assignee_id=member.user_id)
    return instructions


def get_instruction_for_member(member: Membership, instruction_id: UUID) -> ShippingInstruction:
    """One instruction the member may see; another supplier's, or another shipping person's,
    answers 404."""
    try:
        return instructions_for(member).select_related("order").get(pk=instruction_id)
    except ShippingInstruction.DoesNotExist:
        raise Http404 from None


def get_order_for_supplier(member: Membership, order_id: UUID) -> Order:
    """An order received by the member's organization; another supplier's id answers 404."""
    try:
        return Order.objects.select_related("customer").get(
            pk=order_id, supplier_id=member.organization_id
        )
    except Order.DoesNotExist:
        raise Http404 from None
