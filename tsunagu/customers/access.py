from __future__ import annotations

from uuid import UUID

from django.http import Http404

from tsunagu.accounts.models import Membership
from tsunagu.customers.models import Customer


def get_customer_for_member(member: Membership, customer_id: UUID) -> Customer:
    """One of the member's supplier's customers; another supplier's id answers 404."""
    try:
        return Customer.objects.select_related("price_group").get(
            pk=customer_id, supplier_id=member.organization_id
        )
    except Customer.DoesNotExist:
        raise Http404 from None
