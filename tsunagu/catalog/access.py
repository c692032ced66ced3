"""How a request reaches one product, price group or price: only within its own supplier."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from tsunagu.accounts.models import Membership
from tsunagu.catalog.models import CustomerPrice, PriceGroup, Product, ProductField


def get_product_for_member(member: Membership, product_id: UUID) -> Product:
    try:
        return Product.objects.get(pk=product_id, supplier_id=member.organization_id)
    except Product.DoesNotExist:
        raise Http404 from None


def get_price_group_for_member(member: Membership, price_group_id: UUID) -> PriceGroup:
    try:
        return PriceGroup.objects.get(pk=price_group_id, supplier_id=member.organization_id)
    except PriceGroup.DoesNotExist:
        raise Http404 from None


def get_customer_price_for_member(member: Membership, price_id: UUID) -> CustomerPrice:
    try:
        return CustomerPrice.objects.select_related("customer", "product").get(
            pk=price_id, supplier_id=member.organization_id
        )
    except CustomerPrice.DoesNotExist:
        raise Http404 from None


def get_product_field_for_member(member: Membership, field_id: UUID) -> ProductField:
    try:
        return ProductField.objects.get(pk=field_id, supplier_id=member.organization_id)
    except ProductField.DoesNotExist:
        raise Http404 from None
