"""How a request reaches an order, a customer account or a cart line on the buyer's side."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from tsunagu.accounts.access import require_membership
from tsunagu.accounts.models import Membership, Role
from tsunagu.catalog.models import Product
from tsunagu.customers.models import Customer
from tsunagu.ordering import selectors
from tsunagu.ordering.models import CartLine, Order

BUYER_ROLES = {Role.OWNER, Role.ADMIN, Role.MEMBER}


def require_buyer(request: HttpRequest, *, write: bool = False) -> Membership:
    """The active membership if its organization buys; viewers only read. 403 otherwise."""
    membership = require_membership(request)
    if not membership.organization.is_buyer:
        raise PermissionDenied
    if write and membership.role not in BUYER_ROLES:
        raise PermissionDenied
    return membership


def accounts_of(member: Membership) -> QuerySet[Customer]:
    """The supplier accounts (Customer rows) the member's organization orders through."""
    return (
        Customer.objects.filter(buyer=member.organization, status=Customer.Status.ACTIVE)
        .select_related("supplier", "price_group")
        .order_by("supplier__name")
    )


def get_account_for_member(member: Membership, supplier_code: str) -> Customer:
    """The member's organization's account at the supplier with this code; 404 otherwise."""
    customer = accounts_of(member).filter(supplier__code=supplier_code).first()
    if customer is None:
        raise Http404
    return customer


def get_visible_product_for_member(
    member: Membership, product_id: UUID
) -> tuple[Customer, Product]:
    """The product if one of the member's suppliers shows it to the member's organization;
    404 otherwise, exactly as for a product that does not exist."""
    supplier_id = Product.objects.filter(pk=product_id).values_list("supplier_id", flat=True)
    customer = accounts_of(member).filter(supplier_id__in=supplier_id).first()
    product = (
        selectors.visible_products(customer).filter(pk=product_id).first()
        if customer is not None
        else None
    )
    if customer is None or product is None:
        raise Http404
    return customer, product


def get_order_for_buyer(member: Membership, order_id: UUID) -> Order:
    """An order the member's organization placed; another organization's id answers 404."""
    try:
        return Order.objects.select_related(
            "supplier", "customer__supplier", "location", "placed_by"
        ).get(pk=order_id, buyer_id=member.organization_id)
    except Order.DoesNotExist:
        raise Http404 from None


def get_cart_line_for_member(member: Membership, line_id: UUID) -> CartLine:
    try:
        return CartLine.objects.select_related("product", "customer").get(
            pk=line_id, user=member.user
        )
    except CartLine.DoesNotExist:
        raise Http404 from None
