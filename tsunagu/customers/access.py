from __future__ import annotations

from uuid import UUID

from django.http import Http404

from tsunagu.accounts.models import Membership
from tsunagu.customers.models import Customer, Location


def get_customer_for_member(member: Membership, customer_id: UUID) -> Customer:
    """One of the member's supplier's customers; another supplier's id answers 404."""
    try:
        return Customer.objects.select_related("price_group").get(
            pk=customer_id, supplier_id=member.organization_id
        )
    except Customer.DoesNotExist:
        raise Http404 from None


def get_location_for_member(member: Membership, location_id: UUID) -> Location:
    try:
        return Location.objects.select_related("customer").get(
            pk=location_id, supplier_id=member.organization_id
        )
    except Location.DoesNotExist:
        raise Http404 from None
